/**
 * What a JavaScript user (no compiler) sees for a missing prop or a wrong type: a message that names the prop
 * and says what it expects, not a TypeError from deep inside CDK. Every call goes through `any`, as plain
 * JavaScript would make it. A string where a secret belongs may be the secret itself: no message repeats it.
 */
import { Duration, Size } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { WebhookProvider, WebhookReceiver } from '../lib';
import { givenStack } from './support/stacks';
import { verifierConfigOf } from './support/verifier-config';

const js = WebhookProvider as any;
const PLAINTEXT = 'whsec_this_is_the_real_secret_value';

describe('providers', () => {
  test('fails if the secret is a string, naming the prop and never repeating the value', () => {
    let message = '';
    try {
      js.stripe({ secret: PLAINTEXT });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^secret of provider "stripe" must be a secretsmanager\.ISecret holding the signing secret .*never the secret's value itself, got a string\.$/);
    expect(message).not.toContain(PLAINTEXT);
  });

  test.each([
    ['the secret is missing', () => js.github({}), /^secret of provider "github" is required: a secretsmanager\.ISecret/],
    ['the options are missing', () => js.shopify(), /^WebhookProvider\.shopify\(\) needs its props as an object, e\.g\. \{ secret: .*\}; got undefined\.$/],
    ['the options are a string', () => js.github(PLAINTEXT), /^WebhookProvider\.github\(\) needs its props as an object.*got a string\.$/],
    ['a generic provider gets no options', () => js.hmac(), /^WebhookProvider\.hmac\(\) needs its props as an object.*got undefined\.$/],
    ['basicAuth gets no options', () => js.basicAuth(), /^WebhookProvider needs its props as an object.*got undefined\.$/],
    ['the signature header is not a string', () => js.hmac({ id: 'acme', secret: given().stripeSecret, signatureHeader: 42 }), /^The signature or token header name must be a string such as "X-Signature", got the number 42\.$/],
    ['the id is a number', () => js.stripe({ secret: given().stripeSecret, id: 7 }), /^id of WebhookProvider\.stripe\(\) must be a string, got the number 7\.$/],
    ['the tolerance is a number of seconds', () => js.stripe({ secret: given().stripeSecret, tolerance: 300 }), /^tolerance of provider "stripe" must be a Duration \(e\.g\. Duration\.seconds\(30\)\), got the number 300\.$/],
    ['the dedup window is a number', () => js.github({ secret: given().githubSecret, dedupWindow: 86400 }), /^dedupWindow of provider "github" must be a Duration/],
    ['allowedIpRanges is a string', () => js.github({ secret: given().githubSecret, allowedIpRanges: '192.0.2.0/24' }), /^allowedIpRanges of provider "github" must be an array, got a string\.$/],
    ['contentTypes holds a number', () => js.github({ secret: given().githubSecret, contentTypes: [1] }), /^contentTypes of provider "github"\[0\] must be a string, got the number 1\.$/],
    ['throttlingRateLimit is a string', () => js.github({ secret: given().githubSecret, throttlingRateLimit: '10' }), /^throttlingRateLimit of provider "github" must be a number, got a string\.$/],
  ])('fails if %s', (_name, call, message) => {
    expect(call).toThrow(message);
  });
});

function given() {
  return givenStack();
}

describe('the receiver', () => {
  const build = (props: (g: ReturnType<typeof givenStack>) => unknown) => {
    const g = givenStack();
    return () => new WebhookReceiver(g.stack, 'Receiver', props(g) as any);
  };

  test.each([
    ['the props are missing', build(() => undefined), /^WebhookReceiver needs its props as an object, e\.g\. \{ provider: WebhookProvider\.stripe\(\{ secret \}\), processor: myFunction \}; got undefined\.$/],
    ['the processor is missing', build((g) => ({ provider: WebhookProvider.stripe({ secret: g.stripeSecret }) })), /^processor is required: a lambda\.IFunction \(your function that handles verified events, e\.g\. a lambda\.Function\)\.$/],
    ['the processor is a function name', build((g) => ({ provider: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: 'my-function' })), /^processor must be a lambda\.IFunction .*, got a string\.$/],
    ['the provider is a name', build((g) => ({ provider: 'stripe', processor: g.processor })), /^provider must be a WebhookProvider made by one of its factories \(e\.g\. WebhookProvider\.stripe\(\{ secret \}\)\), got a string\.$/],
    ['the provider is a plain object', build((g) => ({ provider: { id: 'stripe', secret: g.stripeSecret }, processor: g.processor })), /^provider must be a WebhookProvider .*, got a plain object\.$/],
    ['providers is not an array', build((g) => ({ providers: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: g.processor })), /^providers must be an array, got an instance of WebhookProvider\.$/],
    ['an item of providers is a name', build((g) => ({ providers: [WebhookProvider.stripe({ secret: g.stripeSecret }), 'github'], processor: g.processor })), /^providers\[1\] must be a WebhookProvider/],
    ['processorTimeout is a number', build((g) => ({ provider: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: g.processor, processorTimeout: 30 })), /^processorTimeout must be a Duration \(e\.g\. Duration\.seconds\(30\)\), got the number 30\.$/],
    ['previousSecretGracePeriod is a number', build((g) => ({ provider: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: g.processor, previousSecretGracePeriod: 3600 })), /^previousSecretGracePeriod must be a Duration/],
    ['maxBodySize is a number', build((g) => ({ provider: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: g.processor, maxBodySize: 1024 })), /^maxBodySize must be a Size \(e\.g\. Size\.kibibytes\(256\)\), got the number 1024\.$/],
    ['batchSize is a string', build((g) => ({ provider: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: g.processor, batchSize: '10' })), /^batchSize must be a number, got a string\.$/],
    ['tracing is a string', build((g) => ({ provider: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: g.processor, tracing: 'true' })), /^tracing must be true or false, got a string\.$/],
    ['tableRemovalPolicy is a word', build((g) => ({ provider: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: g.processor, tableRemovalPolicy: 'keep' })), /^tableRemovalPolicy must be a RemovalPolicy \(e\.g\. RemovalPolicy\.RETAIN\), got a string\.$/],
    ['encryptionKey is a key ARN', build((g) => ({ provider: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: g.processor, encryptionKey: 'arn:aws:kms:us-east-1:111111111111:key/x' })), /^encryptionKey must be a kms\.IKey \(e\.g\. a kms\.Key\), got a string\.$/],
    ['alarmActions holds a topic ARN', build((g) => ({ provider: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: g.processor, alarmActions: ['arn:aws:sns:us-east-1:111111111111:oncall'] })), /^alarmActions\[0\] must be a cloudwatch\.IAlarmAction \(e\.g\. new cloudwatch_actions\.SnsAction\(topic\)\), got a string\.$/],
    ['waf has no rateLimit', build((g) => ({ provider: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: g.processor, waf: {} })), /^waf\.rateLimit is required: requests per client address per window \(at least 10\)\.$/],
    ['addProvider gets a name', () => {
      const g = givenStack();
      const receiver = new WebhookReceiver(g.stack, 'Receiver', { provider: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: g.processor });
      (receiver as any).addProvider('github');
    }, /^addProvider\(provider\) must be a WebhookProvider made by one of its factories/],
  ])('fails if %s', (_name, call, message) => {
    expect(call).toThrow(message);
  });

  test('fails if previousSecretGracePeriod is over 30 days', () => {
    const g = givenStack();
    expect(() => new WebhookReceiver(g.stack, 'Receiver', { provider: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: g.processor, previousSecretGracePeriod: Duration.days(31) })).toThrow(
      /^previousSecretGracePeriod \(seconds\) must be a whole number from 0 to 2592000, got 2678400\.$/,
    );
  });

  test('correct values of every checked type pass, and the grace period reaches the verifier', () => {
    // GIVEN every typed prop set, the way a JavaScript user would pass them
    const g = givenStack();
    const receiver = new WebhookReceiver(g.stack, 'Receiver', {
      providers: [WebhookProvider.stripe({ secret: g.stripeSecret, tolerance: Duration.minutes(5), allowedIpRanges: ['192.0.2.0/24'] })],
      processor: g.processor,
      processorTimeout: Duration.seconds(10),
      maxBodySize: Size.kibibytes(128),
      batchSize: 5,
      tracing: false,
      previousSecretGracePeriod: Duration.seconds(0),
    } as any);

    // THEN the verifier's configuration (staged with its code) carries the grace period
    expect(verifierConfigOf(receiver as WebhookReceiver).previousSecretGraceSeconds).toBe(0);
  });
});
