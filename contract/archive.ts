/**
 * The raw archive (opt-in): what the verifier writes to S3 for every verified request, and what the `replay`
 * command reads back. Both sides import this module, so the object layout changes in one place.
 *
 * One object per request (not per event: a body of several events is one object listing each event it enqueued).
 */
import type { Envelope } from './config';

/** Version of the archived object's layout. */
export const ARCHIVE_RECORD_VERSION = 1;

/** One archived request. */
export interface ArchiveRecord {
  readonly v: typeof ARCHIVE_RECORD_VERSION;
  /** The receiver's name (the verifier configuration's receiver id). */
  readonly receiver: string;
  readonly provider: string;
  /** ISO-8601 time the verifier received the request. */
  readonly receivedAt: string;
  readonly method: string;
  readonly path: string;
  /**
   * The request headers the verifier read, names in lower case, without any header that carries a signature,
   * a token or credentials.
   */
  readonly headers: Record<string, string>;
  readonly contentType?: string;
  /** The body as enqueued: the exact bytes received, except for values listed in `redactions`. */
  readonly bodyEncoding: 'utf8' | 'base64';
  readonly body: string;
  /** SHA-256 (hex) of the exact bytes received, before any redaction. */
  readonly bodySha256: string;
  readonly redactions?: string[];
  /** What the verifier enqueued for this request, one entry per event, each its envelope without the body. */
  readonly events: ReadonlyArray<Omit<Envelope, 'body' | 'bodyRef' | 'bodyEncoding'>>;
}

/** How an operator's replay marks the events it re-enqueues (`Envelope.replay`, with `origin: 'replay'`). */
export interface ReplayMark {
  /** The replay run: the runtime runs an event at most once per run, even when it was done before. */
  readonly runId: string;
  /** The archived object the event was read from. */
  readonly archiveKey: string;
}

/**
 * The object key of an archived request: `<receiver>/<provider>/<yyyy>/<mm>/<dd>/<hh><mm><ss>-<delivery>.json`,
 * in UTC, so a time range is listed by day prefixes and filtered by the key's time. The delivery id is URI-encoded.
 */
export function archiveObjectKey(receiver: string, provider: string, receivedAt: Date, deliveryId: string): string {
  const iso = receivedAt.toISOString();
  const time = `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return `${archiveDayPrefix(receiver, provider, receivedAt)}${time}-${encodeURIComponent(deliveryId)}.json`;
}

/** The key prefix of one provider's archived requests on one UTC day (ends with `/`). */
export function archiveDayPrefix(receiver: string, provider: string, day: Date): string {
  const iso = day.toISOString();
  return `${receiver}/${provider}/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/`;
}
