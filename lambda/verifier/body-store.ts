/**
 * The claim check: a body too large for one queue message is stored in S3 and the message carries a pointer to it
 * (`Envelope.bodyRef`). The S3 client and its command come from the caller, loaded on first use (`index.ts`: a file
 * of its own beside the bundle), so a verifier that never stores a body pays nothing for it at cold start.
 */
import { createHash } from 'node:crypto';
import type { PutObjectCommand as PutObject, S3Client } from '@aws-sdk/client-s3';
import type { BodyRef, BodyStoreConfig } from '../../contract/config';

/** Stores one event's body; resolves to the pointer the message carries. */
export interface BodyStore {
  put(provider: string, inboxKey: string, nowMs: number, body: Buffer): Promise<BodyRef>;
}

/** The object key of an event's body: `<prefix>/<provider>/<yyyy>/<mm>/<dd>/<sha256 of the inbox key>`. */
export function bodyObjectKey(prefix: string, provider: string, inboxKey: string, nowMs: number): string {
  const date = new Date(nowMs).toISOString().slice(0, 10).replaceAll('-', '/');
  return `${prefix}/${provider}/${date}/${createHash('sha256').update(inboxKey).digest('hex')}`;
}

/** A store in the configured bucket, through the client `client()` resolves to (created on first use). */
export function s3BodyStore(config: BodyStoreConfig, client: () => Promise<Pick<S3Client, 'send'>>, command: () => typeof PutObject): BodyStore {
  return {
    async put(provider, inboxKey, nowMs, body) {
      const key = bodyObjectKey(config.prefix, provider, inboxKey, nowMs);
      const digest = createHash('sha256').update(body).digest();
      const s3 = await client();
      const PutObjectCommand = command();
      // S3 checks the SHA-256 and refuses the object if the bytes arrived otherwise.
      await s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: key, Body: body, ContentLength: body.length, ChecksumSHA256: digest.toString('base64') }));
      return { bucket: config.bucket, key, size: body.length, sha256: digest.toString('hex') };
    },
  };
}
