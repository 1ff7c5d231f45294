/**
 * The README's catalog table, rendered from the definitions in `providers.ts` so the documentation cannot drift
 * from what the construct and the verifier do. `node scripts/catalog-table.mjs --write` updates README.md between
 * the `<!-- catalog:start -->` and `<!-- catalog:end -->` markers; test/docs.test.ts fails when it is stale.
 */
import type { EventTimeConfig, SchemeConfig, SignatureConfig, TimestampConfig, ValueSourceConfig } from '../contract/config';
import { FORM_MEDIA_TYPE, JSON_MEDIA_TYPES } from '../contract/limits';
import { CATALOG, type ProviderDefinition } from './providers';

const code = (text: string) => `\`${text}\``;

function algorithmOf(signature: SignatureConfig): string {
  switch (signature.algorithm) {
    case 'sha1':
    case 'sha256':
    case 'sha512':
      if (signature.alternateKeys) {
        const encodings = [signature.keyEncoding, ...signature.alternateKeys.map((k) => k.keyEncoding)].map((e) => (e === 'utf8' ? 'text' : e));
        return `HMAC-${signature.algorithm.toUpperCase()} ${signature.encoding}, key = secret as ${encodings.join(' or ')}`;
      }
      return `HMAC-${signature.algorithm.toUpperCase()} ${signature.encoding}${signature.keyEncoding !== 'utf8' ? `, ${signature.keyEncoding} key` : ''}`;
    case 'ed25519':
      return `Ed25519 ${signature.encoding}; secret = public key (${signature.keyEncoding})`;
    case 'ecdsa-p256-sha256':
      return `ECDSA P-256 SHA-256 ${signature.encoding} DER; secret = public key (${signature.keyEncoding} SPKI)`;
  }
}

function headerOf(signature: SignatureConfig): string {
  const format = signature.format;
  let layout = '';
  if (format.kind === 'plain' && format.prefix) layout = `: ${format.prefix}..`;
  if (format.kind === 'keyValue') {
    const pairs = [format.timestampKey, format.signatureKey].filter(Boolean).map((key) => `${key}${format.keyValueSeparator}..`);
    layout = `: ${pairs.join(format.pairSeparator)} (any ${format.signatureKey})`;
  }
  if (format.kind === 'list') layout = `: ${format.prefix}.. (list)`;
  const aliases = signature.headerAliases?.length ? ` (or ${signature.headerAliases.map(code).join(', ')})` : '';
  const keyId = signature.keyIdHeader ? `; ${code(signature.keyIdHeader)} names the key (secret \`<key>:<secret>\`)` : '';
  return `${code(`${signature.header}${layout}`)}${aliases}${keyId}`;
}

function authenticationOf(scheme: SchemeConfig): [string, string, string] {
  if (scheme.signature) {
    const signed = scheme.signature.signedContent === '{body}' ? 'body' : code(scheme.signature.signedContent);
    return [headerOf(scheme.signature), signed, algorithmOf(scheme.signature)];
  }
  if (scheme.jwt) {
    const jwt = scheme.jwt;
    const where = `${code(jwt.header)}: ${jwt.requireBearer ? 'Bearer ' : ''}<JWT ${jwt.algorithm}>${jwt.issuer ? `, iss ${code(jwt.issuer)}` : ''}${jwt.issuerIsKeyId ? ', iss names the key (secret `<key>:<secret>`)' : ''}`;
    return [where, `body, as claim ${code(jwt.bodyHashClaim)} = ${jwt.bodyHashEncoding} SHA-256 of it`, `${jwt.algorithm} (alg fixed)`];
  }
  if (scheme.token?.header) return [`${code(scheme.token.header)} = the secret`, '- (the body is not signed)', 'constant-time compare'];
  if (scheme.token?.jsonPath) return [`every body ${code(scheme.token.jsonPath)} = the secret`, '- (the body is not signed)', 'constant-time compare'];
  if (scheme.twilio) return [code('x-twilio-signature'), 'URL + sorted form params; JSON: URL with `bodySHA256`', 'HMAC-SHA1 base64'];
  if (scheme.adyen) return ['each item\'s `additionalData.hmacSignature`', '8 fields of each item, `:`-joined (the rest is not signed)', 'HMAC-SHA256 base64, hex key'];
  if (scheme.braintree) return ['form `bt_signature`: `<public key>|<hex>` pairs (secret `<public key>:<private key>`)', 'form `bt_payload` (base64 XML), or it + `\\n`', 'HMAC-SHA1 hex, key = SHA-1 of the private key'];
  if (scheme.mailgun) return ['body `signature.signature`', '`{timestamp}{token}` (the rest of the body is not signed)', 'HMAC-SHA256 hex'];
  if (scheme.contentful) return [code('x-contentful-signature'), 'method, public path and query, the headers named in `x-contentful-signed-headers`, body', 'HMAC-SHA256 hex'];
  if (scheme.plivo) return [code('x-plivo-signature-v3') + ' (list), ' + code('x-plivo-signature-v3-nonce'), 'URL + sorted query + sorted form params + nonce', 'HMAC-SHA256 base64'];
  if (scheme.basicAuth) return ['`Authorization: Basic`', '-', 'constant-time compare'];
  if (scheme.jwks) {
    const jwks = scheme.jwks;
    const source = jwks.keySource === 'plaid' ? 'key by `kid` from Plaid\'s `/webhook_verification_key/get` (secret `{"client_id", "secret"}`)' : `key by \`kid\` from ${code(jwks.jwksUrl ?? '')}`;
    const signed = jwks.bodyHashClaim ? `body, as claim ${code(jwks.bodyHashClaim)} = ${jwks.bodyHashEncoding ?? 'hex'} SHA-256 of it` : '- (the body is not signed)';
    return [`${code(jwks.header)}: <JWT ${jwks.algorithms.join('/')}>`, signed, `${jwks.algorithms.join('/')} (alg fixed), ${source}`];
  }
  if (scheme.dropboxSign) return [`multipart field ${code(scheme.dropboxSign.field)}: \`event.event_hash\``, '`event_time` + `event_type` (**the rest is not signed**)', 'HMAC-SHA256 hex, key = API key'];
  if (scheme.certificateUrl) {
    const c = scheme.certificateUrl;
    const hosts = c.allowedHosts.map(code).join(', ');
    return [
      `${code(c.signatureHeader)} (base64); certificate from ${code(c.certUrlHeader)}, fetched only from https ${hosts}${c.pathPrefix ? ` under ${code(c.pathPrefix)}` : ''} (no redirect, ${c.fetchTimeoutMs / 1000} s, 64 KiB, cached per URL; 502 when it cannot be had)`,
      // A `|` inside a table cell ends it unless escaped, also in a code span.
      code(c.signedContent.replace(/\{header:([^}]+)\}/g, '{$1}')).replace(/\|/g, '\\|') + (c.signedContent.includes('{crc32}') ? ' (`{crc32}`: unsigned decimal CRC-32 of the body)' : ''),
      `${c.algorithm === 'rsa-sha256' ? 'SHA256withRSA' : 'ECDSA SHA-256'}; no secret${c.subjectCommonNames ? `; certificate CN ${c.subjectCommonNames.map(code).join(' or ')}` : ''}, dates checked`,
    ];
  }
  if (scheme.x5cJws) {
    const x = scheme.x5cJws;
    const oids = [...(x.leafOids ?? []).map((oid) => `leaf ${code(oid)}`), ...(x.intermediateOids ?? []).map((oid) => `intermediate ${code(oid)}`)].join(', ');
    const claims = (x.claims ?? []).map((claim) => code(claim.name)).join(', ');
    return [
      `body ${code(x.jsonPath)}: JWS with ${code('x5c')} (${x.chainLength} certificates)`,
      `the JWS payload${claims ? `; configured ${claims} checked` : ''}`,
      `${x.algorithm}; chain to ${(x.builtInRoots ?? []).map(code).join(', ') || 'the pinned roots'} (shipped)${oids ? `, ${oids}` : ''}, valid at ${x.signedDateClaim ? code(x.signedDateClaim) : 'now'}; no secret, nothing fetched`,
    ];
  }
  return ['?', '?', '?'];
}

function windowOf(scheme: SchemeConfig): string {
  if (scheme.jwks?.maxAgeSeconds !== undefined) return `${scheme.jwks.maxAgeSeconds % 60 === 0 ? `${scheme.jwks.maxAgeSeconds / 60} min` : `${scheme.jwks.maxAgeSeconds} s`}; token \`iat\``;
  if (scheme.jwt) {
    const skew = `${scheme.jwt.clockSkewSeconds} s skew`;
    return scheme.jwt.maxAgeSeconds !== undefined ? `${scheme.jwt.maxAgeSeconds % 60 === 0 ? `${scheme.jwt.maxAgeSeconds / 60} min` : `${scheme.jwt.maxAgeSeconds} s`}; token \`iat\` (and \`exp\`, \`nbf\` with ${skew})` : `token \`exp\`, \`nbf\` (${skew})`;
  }
  const timestamp: TimestampConfig | undefined = scheme.signature?.timestamp;
  if (scheme.contentful) return `${scheme.contentful.toleranceSeconds % 60 === 0 ? `${scheme.contentful.toleranceSeconds / 60} min` : `${scheme.contentful.toleranceSeconds} s`}; \`x-contentful-timestamp\` (ms)`;
  const seconds = timestamp?.toleranceSeconds ?? scheme.mailgun?.toleranceSeconds;
  if (scheme.x5cJws) return 'none (the chain is checked at the signed date)';
  if (!timestamp && seconds === undefined) return 'none signed';
  const where = timestamp?.source === 'header' ? `${code(timestamp.header!)}` : timestamp?.source === 'jsonPath' ? `body ${code(timestamp.jsonPath!)}` : timestamp ? 'in the signature header' : 'body `signature.timestamp`';
  const unit = timestamp?.unit === 'ms' ? ' (ms)' : timestamp?.unit === 'rfc3339' ? ' (RFC 3339)' : '';
  const bound = seconds === undefined ? 'not bounded' : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
  return `${bound}; ${where}${unit}`;
}

function sourceOf(source: ValueSourceConfig): string {
  if (source.inJws) return `${code(source.inJws)} payload ${(source.jsonPaths ?? [source.jsonPath ?? '']).map(code).join(' + ')}`;
  if (source.header) return code(source.header);
  if (source.jsonPath) return `body ${code(source.jsonPath)}`;
  if (source.jsonPaths) return `body ${source.jsonPaths.map(code).join(' + ')}`;
  if (source.formFieldSha256) return `hash of form field ${code(source.formFieldSha256)}`;
  return '?';
}

function eventTimeOf(time: EventTimeConfig | undefined): string {
  if (!time) return '-';
  const unit = time.unit === 'rfc3339' ? 'RFC 3339' : time.unit;
  if (time.inJws) return `${code(time.inJws)} payload ${code(time.jsonPath!)} (${unit})`;
  return `${time.header ? code(time.header) : `body ${code(time.jsonPath!)}`} (${unit})`;
}

function mediaOf(types: readonly string[] | undefined): string {
  const list = types ?? JSON_MEDIA_TYPES;
  return list
    .map((type) => (type === JSON_MEDIA_TYPES[0] ? 'JSON' : JSON_MEDIA_TYPES.includes(type) ? undefined : type === FORM_MEDIA_TYPE ? 'form' : code(type)))
    .filter(Boolean)
    .join(', ');
}

function handshakeOf(definition: ProviderDefinition): string {
  const parts = [
    ...(definition.handshake ? [definition.handshake] : []),
    ...(definition.handshakeEventTypes ?? []).map((t) => `event ${code(t)}`),
    ...(definition.items?.emptyIsHandshake ? [`empty ${code(definition.items.jsonPath)}`] : []),
  ];
  return parts.length ? parts.join(', ') : '-';
}

/** The catalog table in Markdown, one row per provider, sorted by id. */
export function renderCatalogTable(): string {
  const rows = [
    '| id | factory | signature | signed content | algorithm | timestamp window | delivery id | event type | event time | media types | methods | handshake |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [kind, definition] of Object.entries(CATALOG).sort(([a], [b]) => a.localeCompare(b))) {
    const [signature, signed, algorithm] = authenticationOf(definition.scheme);
    const items = definition.items;
    const each = (source: ValueSourceConfig) => `each ${code(items!.jsonPath)} item's ${sourceOf(source).replace(/^body /, '')}`;
    const ids = items ? (items.deliveryId ? each(items.deliveryId) : `each ${code(items.jsonPath)} item's hash with body ${code(items.hashWith ?? '')}`) : definition.deliveryId.length ? definition.deliveryId.map(sourceOf).join(', then ') : 'body hash';
    const eventTypes = [definition.eventType ?? []].flat();
    const types = items?.eventType ? each(items.eventType) : eventTypes.length ? eventTypes.map(sourceOf).join(', then ') : '-';
    rows.push(
      `| ${code(kind)} (${definition.name}) | ${code(`WebhookProvider.${definition.factory}`)} | ${signature} | ${signed} | ${algorithm} | ${windowOf(definition.scheme)} | ${ids} | ${types} | ${eventTimeOf(definition.eventTime)} | ${mediaOf(definition.contentTypes)} | ${(definition.methods ?? ['POST']).join(', ')} | ${handshakeOf(definition)} |`,
    );
  }
  return `${rows.join('\n')}\n`;
}
