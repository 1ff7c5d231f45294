/**
 * After a request is authenticated: its events (one, or one per item of a body that carries several) are claimed
 * in the inbox, sent to the queue, and recorded as enqueued. Each event is keyed by its own id, so a body whose
 * items were partly seen before enqueues exactly the new ones.
 *
 * The answer to the provider follows from the events' states: any enqueue failure is our fault (503, the
 * provider retries and the events already queued are duplicates then); any event still claimed by another
 * attempt that may be running is retryable (409 with Retry-After); else 200, `accepted` when at least one event
 * was queued now, `duplicate` when all were queued before.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ENVELOPE_VERSION, type AuthenticationMethod, type BodyRef, type Envelope, type EnvelopeItem, type EventOrigin, type SchemeConfig } from '../../contract/config';
import { encodeBody, serializeEnvelope } from '../shared/envelope';
import { inboxKey } from '../shared/inbox-schema';
import { describeError, type Logger } from '../shared/log';
import { DeliveryInFlightError, InternalError, PayloadTooLargeError } from './errors';
import type { Inbox } from './inbox';
import type { BodyStore } from './body-store';
import { messageDeduplicationId } from './ordering';
import { withoutBody, type Archive, type ArchivedEvent } from './archive';

/** One event of an authenticated request. */
export interface VerifiedEvent {
  readonly deliveryId: string;
  /** With a dedupKey (`deliveryId` is `dedup:<hex>`): the provider's own delivery id, when it sends one. */
  readonly providerDeliveryId?: string;
  readonly eventType?: string;
  /** The provider's own time of the event (ISO-8601), when it sends one. */
  readonly eventTime?: string;
  /** SHA-256 (hex) of the event's payload: the body, or the item's JSON for a body of several events. */
  readonly payloadSha256: string;
  readonly item?: EnvelopeItem;
}

export interface Delivery {
  readonly provider: string;
  readonly events: readonly VerifiedEvent[];
  /** The bytes that go in the queue message (the body received, less redacted secrets). */
  readonly body: Buffer;
  /** SHA-256 (hex) of the exact bytes received. */
  readonly bodySha256: string;
  readonly contentType?: string;
  readonly auth: { readonly method: AuthenticationMethod; readonly bodySigned: boolean };
  readonly redactions?: string[];
  /** The signed timestamp, for schemes that sign one (replay protection of abandoned claims). */
  readonly signedAt?: string;
  readonly dedupWindowSeconds: number;
  /** Events are keyed by a dedupKey, under which other payloads are expected: not counted as mismatches. */
  readonly payloadMayDiffer?: boolean;
  /** On a FIFO queue (`ordering`): the message group of the request's events. Absent: a standard queue. */
  readonly messageGroupId?: string;
  readonly nowMs: number;
  /**
   * Where the events came from. `reconciliation` (fetched from the provider's API): their bytes are not the bytes a
   * delivery would carry, so the record keeps no payload hash for a later delivery to be compared with.
   * @default 'delivery'
   */
  readonly origin?: EventOrigin;
}

export interface DeliveryResult {
  readonly code: 'accepted' | 'duplicate';
  /** Events sent to the queue by this request. */
  readonly enqueued: number;
  /** Events that were queued before (or are being processed, or done). */
  readonly duplicates: number;
  /** Events whose id was seen before with another payload (never enqueued twice; counted and logged). */
  readonly payloadMismatches: number;
}

export interface EnqueueDependencies {
  readonly inbox: Inbox;
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly queueUrl: string;
  readonly maxMessageBytes: number;
  readonly log: Logger;
  /** Where a body too large for one message goes (the claim check). @default - such a body is refused (413) */
  readonly bodyStore?: BodyStore;
  /**
   * The raw archive: the request is written there, listing the events claimed now, before they are sent; a failed
   * write gives the claims back and answers 503, so the provider's retry archives and enqueues them.
   * @default - nothing is archived
   */
  readonly archive?: Archive;
}

/** Claims, enqueues and records each event of a request; throws the error the provider should be answered with. */
export async function enqueueDelivery(deps: EnqueueDependencies, delivery: Delivery): Promise<DeliveryResult> {
  const receivedAt = new Date(delivery.nowMs).toISOString();
  // Every message is built (and its size checked) before any AWS call: a body too large for the queue is refused
  // with no record written.
  const messages = delivery.events.map((event) => message(deps.maxMessageBytes, delivery, event, receivedAt, deps.bodyStore !== undefined));

  const claims = await Promise.all(
    delivery.events.map((event, i) =>
      deps.inbox.claim(
        {
          key: messages[i].key,
          provider: delivery.provider,
          deliveryId: event.deliveryId,
          eventType: event.eventType,
          receivedAt,
          expiresAt: Math.floor(delivery.nowMs / 1000) + delivery.dedupWindowSeconds,
          signedAt: delivery.signedAt,
          payloadSha256: delivery.origin === 'reconciliation' ? undefined : event.payloadSha256,
        },
        delivery.nowMs,
      ),
    ),
  );

  let payloadMismatches = 0;
  claims.forEach((claim, i) => {
    const event = delivery.events[i];
    if (!delivery.payloadMayDiffer && claim.outcome !== 'claimed' && claim.payloadSha256 !== undefined && claim.payloadSha256 !== event.payloadSha256) {
      payloadMismatches += 1;
      deps.log.warn('payload mismatch: a delivery id seen before arrived with other bytes; not enqueued again', {
        provider: delivery.provider,
        deliveryId: event.deliveryId,
        firstPayloadSha256: claim.payloadSha256,
        payloadSha256: event.payloadSha256,
      });
    }
  });

  // The archive, before the sends: a request whose events are queued is archived (a write that fails is retried
  // by the provider), and a duplicate, claimed by no one now, is not archived again.
  const claimed = claims.flatMap((claim, i) => (claim.outcome === 'claimed' ? [{ i, token: claim.token }] : []));
  if (deps.archive && claimed.length > 0) {
    try {
      await deps.archive.put({
        provider: delivery.provider,
        receivedAt: new Date(delivery.nowMs),
        body: delivery.body,
        bodySha256: delivery.bodySha256,
        contentType: delivery.contentType,
        redactions: delivery.redactions,
        events: claimed.map(({ i }) => messages[i].archived),
      });
    } catch (error) {
      deps.log.error('archive write failed; nothing enqueued, the claims are given back', { provider: delivery.provider, deliveryId: delivery.events[claimed[0].i].deliveryId, error: describeError(error) });
      await Promise.all(
        claimed.map(({ i, token }) =>
          deps.inbox.release(messages[i].key, token).catch((releaseError: unknown) => {
            deps.log.error('release after failed archive write failed; the lease will expire', {
              provider: delivery.provider,
              deliveryId: delivery.events[i].deliveryId,
              error: describeError(releaseError),
            });
          }),
        ),
      );
      throw new InternalError('archive_failed', 'The request could not be archived; retry later.', { status: 503, cause: error });
    }
  }

  const sent = await Promise.all(
    claims.map(async (claim, i) => {
      if (claim.outcome !== 'claimed') return true;
      const { key } = messages[i];
      try {
        // The claim check: stored only for an event claimed now, so a duplicate costs no PutObject.
        const body = messages[i].body ?? messages[i].withRef(await deps.bodyStore!.put(delivery.provider, key, delivery.nowMs, delivery.body));
        // On a FIFO queue the inbox key is also SQS's deduplication id: a send repeated within 5 minutes (a retry
        // after a send that timed out but did reach the queue) adds no second message.
        const fifo = delivery.messageGroupId !== undefined ? { MessageGroupId: delivery.messageGroupId, MessageDeduplicationId: messageDeduplicationId(key) } : {};
        await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.queueUrl, MessageBody: body, ...fifo }));
      } catch (error) {
        // Nothing was enqueued, as far as we know: give the claim back so the provider's retry goes through. (If
        // the send did reach the queue, the retry enqueues a second message; the processor runs the event once.)
        deps.log.error('enqueue failed', { provider: delivery.provider, deliveryId: delivery.events[i].deliveryId, error: describeError(error) });
        await deps.inbox.release(key, claim.token).catch((releaseError: unknown) => {
          deps.log.error('release after failed enqueue failed; the lease will expire', {
            provider: delivery.provider,
            deliveryId: delivery.events[i].deliveryId,
            error: describeError(releaseError),
          });
        });
        return false;
      }
      // The event is queued whatever happens next. Should this write fail, the record stays CLAIMED until its
      // lease ends: a retry in the lease is told to come back, one after it enqueues a second message, which the
      // processor's own claim keeps from running the user's function twice.
      await deps.inbox.markEnqueued(key, claim.token).catch((markError: unknown) => {
        deps.log.error('recording the enqueue failed; the claim stays until its lease ends', {
          provider: delivery.provider,
          deliveryId: delivery.events[i].deliveryId,
          error: describeError(markError),
        });
      });
      return true;
    }),
  );

  if (sent.includes(false)) {
    throw new InternalError('enqueue_failed', 'The event could not be queued; retry later.', { status: 503 });
  }
  const inFlight = claims.filter((c): c is Extract<typeof c, { outcome: 'in_flight' }> => c.outcome === 'in_flight');
  if (inFlight.length > 0) {
    throw new DeliveryInFlightError(Math.max(...inFlight.map((c) => c.retryAfterSeconds)));
  }
  const enqueued = claims.filter((c) => c.outcome === 'claimed').length;
  return { code: enqueued > 0 ? 'accepted' : 'duplicate', enqueued, duplicates: claims.length - enqueued, payloadMismatches };
}

/** A queue message: its body, or (a body too large for it) how to write it around the stored body's pointer. */
type Message = ({ key: string; body: string } | { key: string; body: undefined; withRef: (ref: BodyRef) => string }) & { archived: ArchivedEvent };

function message(maxMessageBytes: number, delivery: Delivery, event: VerifiedEvent, receivedAt: string, canStore: boolean): Message {
  const key = inboxKey(delivery.provider, event.deliveryId);
  const envelope = (body: Pick<Envelope, 'body' | 'bodyEncoding' | 'bodyRef'>): Envelope => ({
    v: ENVELOPE_VERSION,
    provider: delivery.provider,
    deliveryId: event.deliveryId,
    ...(event.providerDeliveryId !== undefined ? { providerDeliveryId: event.providerDeliveryId } : {}),
    key,
    eventType: event.eventType,
    ...(event.eventTime !== undefined ? { eventTime: event.eventTime } : {}),
    receivedAt,
    auth: delivery.auth.method,
    bodySigned: delivery.auth.bodySigned,
    origin: delivery.origin ?? 'delivery',
    contentType: delivery.contentType,
    ...body,
    bodySha256: delivery.bodySha256,
    ...(event.item ? { item: event.item } : {}),
    ...(delivery.redactions?.length ? { redactions: delivery.redactions } : {}),
  });
  const archived = withoutBody(envelope({ bodyEncoding: 'utf8' }));
  // A body that cannot fit is not serialised at all (base64 is 4/3 of it).
  if (Math.ceil(delivery.body.length / 3) * 4 < maxMessageBytes) {
    let body = serializeEnvelope(envelope(encodeBody(delivery.body, false)));
    if (Buffer.byteLength(body, 'utf8') > maxMessageBytes) {
      // Text full of escaped characters can grow up to six-fold; base64 grows by a third at most.
      body = serializeEnvelope(envelope(encodeBody(delivery.body, true)));
    }
    if (Buffer.byteLength(body, 'utf8') <= maxMessageBytes) return { key, body, archived };
  }
  if (!canStore) {
    throw new PayloadTooLargeError('The body does not fit in one queue message.');
  }
  return { key, body: undefined, withRef: (bodyRef) => serializeEnvelope(envelope({ bodyEncoding: 'ref', bodyRef })), archived };
}

/** How a scheme authenticates, as the envelope tells the processor. */
export function authenticationOf(scheme: SchemeConfig): { method: AuthenticationMethod; bodySigned: boolean } {
  if (scheme.signature) {
    const publicKey = scheme.signature.algorithm === 'ed25519' || scheme.signature.algorithm === 'ecdsa-p256-sha256';
    return { method: publicKey ? 'public-key' : 'hmac', bodySigned: scheme.signature.signedContent.includes('{body}') };
  }
  // PayPal signs the body's CRC-32 (with the transmission id): a CRC is no cryptographic hash, so the body is not
  // counted as signed; Apple's JWS is the whole body's content.
  if (scheme.certificateUrl) return { method: 'public-key', bodySigned: scheme.certificateUrl.signedContent.includes('{body}') };
  if (scheme.x5cJws) return { method: 'public-key', bodySigned: true };
  // A JWT whose claim carries the body's hash: its HMAC covers the body through the hash.
  if (scheme.jwt) return { method: 'hmac', bodySigned: true };
  // A public-key JWT covers the body only through a body hash claim; Dropbox Sign's hash covers a time and a type.
  if (scheme.jwks) return { method: 'public-key', bodySigned: scheme.jwks.bodyHashClaim !== undefined };
  if (scheme.dropboxSign) return { method: 'hmac', bodySigned: false };
  if (scheme.token) return { method: 'shared-token', bodySigned: false };
  if (scheme.basicAuth) return { method: 'basic-auth', bodySigned: false };
  // Twilio signs the form parameters (or the body's SHA-256 in the URL); Adyen signs eight fields of each item,
  // Mailgun a token and a timestamp: only Twilio's covers the body.
  // Braintree signs bt_payload, all of the notification (bt_signature is the signature itself).
  return { method: 'hmac', bodySigned: scheme.twilio === true || scheme.plivo === true || scheme.contentful !== undefined || scheme.braintree === true };
}
