/**
 * The raw archive (opt-in): one S3 object per request whose events were claimed now, written before they are sent
 * to the queue (see `enqueue.ts`), in the layout of `contract/archive.ts`. The S3 client and its command come from
 * the caller, loaded on first use (`index.ts`), so a receiver without an archive pays nothing for it at cold start.
 */
import { createHash } from 'node:crypto';
import type { PutObjectCommand as PutObject, S3Client } from '@aws-sdk/client-s3';
import { ARCHIVE_RECORD_VERSION, archiveObjectKey, type ArchiveRecord } from '../../contract/archive';
import type { ArchiveConfig, Envelope, ResolvedProvider } from '../../contract/config';
import { encodeBody } from '../shared/envelope';

/** What the request looked like, as far as the archive keeps it. */
export interface ArchivedRequest {
  readonly method: string;
  readonly path: string;
  /** Every request header as received (name, value); `archivedHeaders` leaves out the credentials. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** The envelope of an event without its body: what the archive lists for each event it enqueued. */
export type ArchivedEvent = ArchiveRecord['events'][number];

/** One archived request, as `enqueueDelivery` hands it over: the events it claimed now, and what they share. */
export interface ArchiveEntry {
  readonly provider: string;
  readonly receivedAt: Date;
  /** The bytes as enqueued (redactions applied). */
  readonly body: Buffer;
  readonly bodySha256: string;
  readonly contentType?: string;
  readonly redactions?: string[];
  readonly events: readonly ArchivedEvent[];
}

/** Writes one request's record; resolves to its object key. */
export interface Archive {
  put(entry: ArchiveEntry): Promise<string>;
}

/**
 * Header names that carry a credential whatever the provider: never archived. Beside them, each provider's own
 * signature and token headers (`credentialHeaders`) are left out by name.
 */
const CREDENTIAL_NAME = /signature|token|secret|authorization|cookie|api[-_]?key|password|credential/i;

/** The headers of a provider's scheme that carry a signature, a token or credentials, in lower case. */
export function credentialHeaders(provider: Pick<ResolvedProvider, 'scheme'>): Set<string> {
  const { scheme } = provider;
  const names = [
    scheme.signature?.header,
    ...(scheme.signature?.headerAliases ?? []),
    scheme.token?.header,
    scheme.basicAuth ? 'authorization' : undefined,
    scheme.twilio ? 'x-twilio-signature' : undefined,
  ];
  return new Set(names.filter((n): n is string => n !== undefined).map((n) => n.toLowerCase()));
}

/**
 * The request headers to archive: names in lower case, a header sent more than once joined with `, `, without the
 * provider's signature, token and credential headers, nor any whose name says it carries one.
 */
export function archivedHeaders(headers: ArchivedRequest['headers'], excluded: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    if (excluded.has(key) || CREDENTIAL_NAME.test(key)) continue;
    out[key] = key in out ? `${out[key]}, ${value}` : value;
  }
  return out;
}

/** The archived record of a request. */
export function archiveRecord(receiver: string, request: ArchivedRequest, headers: Record<string, string>, entry: ArchiveEntry): ArchiveRecord {
  const body = encodeBody(entry.body);
  return {
    v: ARCHIVE_RECORD_VERSION,
    receiver,
    provider: entry.provider,
    receivedAt: entry.receivedAt.toISOString(),
    method: request.method,
    path: request.path,
    headers,
    ...(entry.contentType !== undefined ? { contentType: entry.contentType } : {}),
    bodyEncoding: body.bodyEncoding as 'utf8' | 'base64',
    body: body.body!,
    bodySha256: entry.bodySha256,
    ...(entry.redactions?.length ? { redactions: entry.redactions } : {}),
    events: entry.events,
  };
}

/** The envelope fields the archive keeps for an event (all but the body). */
export function withoutBody(envelope: Envelope): ArchivedEvent {
  const { body: _body, bodyRef: _bodyRef, bodyEncoding: _bodyEncoding, ...rest } = envelope;
  return rest;
}

/**
 * An archive in the configured bucket, through the client `client()` resolves to (created on first use). The
 * object key names the request by its first event claimed now, so a provider's retry that enqueues the rest of a
 * body of several events writes an object of its own.
 */
export function s3Archive(
  config: ArchiveConfig,
  request: ArchivedRequest,
  excluded: ReadonlySet<string>,
  client: () => Promise<Pick<S3Client, 'send'>>,
  command: () => typeof PutObject,
): Archive {
  return {
    async put(entry) {
      const record = archiveRecord(config.receiver, request, archivedHeaders(request.headers, excluded), entry);
      const key = archiveObjectKey(config.receiver, entry.provider, entry.receivedAt, entry.events[0].deliveryId);
      const bytes = Buffer.from(JSON.stringify(record), 'utf8');
      const s3 = await client();
      const PutObjectCommand = command();
      await s3.send(
        new PutObjectCommand({
          Bucket: config.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: 'application/json',
          // S3 checks the SHA-256 and refuses the object if the bytes arrived otherwise.
          ChecksumSHA256: createHash('sha256').update(bytes).digest('base64'),
        }),
      );
      return key;
    },
  };
}
