import type { Duration } from 'aws-cdk-lib';

/** Options of the AWS WAF web ACL the receiver puts in front of its API stage. */
export interface WafOptions {
  /**
   * Requests one client address may make within `rateLimitWindow` before WAF blocks it (429 `rate_limited`)
   * until its rate falls again; 10 to 2,000,000,000. Providers deliver from a few addresses: set this above your
   * busiest provider's peak, or its deliveries are blocked (GitHub never retries a failed delivery).
   */
  readonly rateLimit: number;

  /**
   * The window WAF counts requests over: 1, 2, 5 or 10 minutes.
   *
   * @default Duration.minutes(5)
   */
  readonly rateLimitWindow?: Duration;

  /**
   * Also block addresses on Amazon's IP reputation list (the AWS managed rule group
   * `AWSManagedRulesAmazonIpReputationList`: bots, scanners, known malicious sources).
   *
   * @default false
   */
  readonly blockIpReputationList?: boolean;
}

/** Media ranges for `ProviderOptions.contentTypes`. Any other `type/subtype` or `type/*` string works too. */
export class MediaType {
  /** `application/json`. */
  public static readonly JSON = 'application/json';
  /** Every `+json` structured syntax type, such as `application/vnd.api+json`. */
  public static readonly JSON_SUFFIX = 'application/*+json';
  /** HTML form posts: `application/x-www-form-urlencoded`. */
  public static readonly FORM = 'application/x-www-form-urlencoded';
  /** `application/xml`. */
  public static readonly XML = 'application/xml';
  /** `text/plain`. */
  public static readonly TEXT = 'text/plain';
  /** Any media type, and requests without a Content-Type. */
  public static readonly ANY = '*/*';

  private constructor() {}
}
