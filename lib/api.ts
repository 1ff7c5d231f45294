import type * as acm from 'aws-cdk-lib/aws-certificatemanager';

/** Which kind of API Gateway API receives the webhooks. */
export enum ApiType {
  /**
   * A REST API: binary media types (every body reaches the verifier byte for byte), AWS WAF, resource-policy
   * allowlists (`allowedIpRanges`), gateway responses with machine-readable codes, X-Ray tracing.
   */
  REST = 'REST',
  /**
   * An HTTP API (payload format 2.0): about a third of a REST API's request price. No WAF, no resource policy (so
   * no `allowedIpRanges`), no X-Ray tracing of the API. It has no binary media types: a text media type
   * (`application/json`, `text/*`, form posts...) reaches the verifier as a string, so a body that is not valid
   * UTF-8 under such a type may have been altered on the way and is refused (400 `body_not_byte_exact`).
   */
  HTTP = 'HTTP',
}

/** A custom domain name for the receiver's API. */
export interface CustomDomainOptions {
  /** The domain name, e.g. `hooks.example.com`. Point a DNS alias record at the receiver's `domainName` (REST) or `httpDomainName` (HTTP). */
  readonly domainName: string;

  /** An ACM certificate for the domain name, in the stack's region (a regional endpoint). */
  readonly certificate: acm.ICertificate;

  /**
   * The path under the domain where the receiver's routes start (`https://<domainName>/<basePath>/<provider id>`),
   * for a domain shared with other APIs. One path segment (letters, digits, `.`, `_`, `-`).
   *
   * @default - the root of the domain: `https://<domainName>/<provider id>`
   */
  readonly basePath?: string;
}
