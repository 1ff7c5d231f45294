/**
 * What the receiver's functions log, as the template configures Lambda: the verifier (and WebhookProcessorFunction)
 * in Lambda's JSON log format, platform lines from WARN, application lines from INFO (DEBUG with logDeliveries, so
 * the verifier's DEBUG line per delivery is written). What the bundles write at which level is in test/emf.test.ts
 * and test/cost.test.ts.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { WebhookProcessorFunction, WebhookProvider, WebhookReceiver, type WebhookReceiverProps } from '../lib';
import { givenStack } from './support/stacks';

function verifierLogging(props: Partial<WebhookReceiverProps>): unknown {
  const given = givenStack();
  new WebhookReceiver(given.stack, 'Receiver', { provider: WebhookProvider.stripe({ secret: given.stripeSecret }), processor: given.processor, ...props });
  const functions = Template.fromStack(given.stack).findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { WEBHOOK_RECEIVER_VALUES: Match.anyValue() } } } });
  expect(Object.keys(functions)).toHaveLength(1);
  return Object.values(functions)[0].Properties.LoggingConfig;
}

describe('the verifier', () => {
  test('by default: JSON format, Lambda\'s platform lines from WARN (no START/END/REPORT), application lines from INFO (EMF and warnings, no line per delivery)', () => {
    expect(verifierLogging({})).toEqual(expect.objectContaining({ LogFormat: 'JSON', SystemLogLevel: 'WARN', ApplicationLogLevel: 'INFO' }));
  });

  test('logDeliveries: the application log level is DEBUG, so the line per delivery is written', () => {
    expect(verifierLogging({ logging: { logDeliveries: true } })).toEqual(expect.objectContaining({ LogFormat: 'JSON', SystemLogLevel: 'WARN', ApplicationLogLevel: 'DEBUG' }));
    expect(verifierLogging({ logging: { logDeliveries: false } })).toEqual(expect.objectContaining({ ApplicationLogLevel: 'INFO' }));
  });

  test('systemLogLevel: Lambda\'s platform lines from the level given', () => {
    expect(verifierLogging({ logging: { systemLogLevel: lambda.SystemLogLevel.INFO } })).toEqual(expect.objectContaining({ LogFormat: 'JSON', SystemLogLevel: 'INFO', ApplicationLogLevel: 'INFO' }));
  });

  test.each([
    ['logging is not an object', { logging: 'verbose' }, /logging must be an object, e\.g\. \{ systemLogLevel: lambda\.SystemLogLevel\.INFO, logDeliveries: true \}/],
    ['logging.systemLogLevel is not a SystemLogLevel', { logging: { systemLogLevel: 'LOUD' } }, /logging\.systemLogLevel must be a lambda\.SystemLogLevel \(e\.g\. lambda\.SystemLogLevel\.INFO\), got a string/],
    ['logging.logDeliveries is not a boolean', { logging: { logDeliveries: 'yes' } }, /logging\.logDeliveries must be true or false, got a string/],
  ])('fails if %s', (_name, props, message) => {
    expect(() => verifierLogging(props as unknown as Partial<WebhookReceiverProps>)).toThrow(message);
  });
});

describe('WebhookProcessorFunction', () => {
  const code = () => lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })');
  const loggingOf = (props: Partial<ConstructorParameters<typeof WebhookProcessorFunction>[2]>) => {
    const given = givenStack();
    const fn = new WebhookProcessorFunction(given.stack, 'Payments', { code: code(), ...props });
    return Template.fromStack(given.stack).toJSON().Resources[given.stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)].Properties.LoggingConfig;
  };

  test('by default: JSON format, platform lines from WARN, application lines from INFO (the runtime\'s EMF is INFO)', () => {
    expect(loggingOf({})).toEqual(expect.objectContaining({ LogFormat: 'JSON', SystemLogLevel: 'WARN', ApplicationLogLevel: 'INFO' }));
  });

  test('the levels given', () => {
    expect(loggingOf({ systemLogLevel: lambda.SystemLogLevel.INFO, applicationLogLevel: lambda.ApplicationLogLevel.DEBUG })).toEqual(
      expect.objectContaining({ LogFormat: 'JSON', SystemLogLevel: 'INFO', ApplicationLogLevel: 'DEBUG' }),
    );
  });

  test('fails if the application log level is above INFO: the runtime\'s metrics would be dropped', () => {
    expect(() => loggingOf({ applicationLogLevel: lambda.ApplicationLogLevel.WARN })).toThrow(
      /applicationLogLevel must be lambda\.ApplicationLogLevel\.TRACE, DEBUG or INFO \(the runtime's metrics are written at INFO and a higher level would drop them\), got a string/,
    );
  });

  test('fails if systemLogLevel is not a SystemLogLevel', () => {
    expect(() => loggingOf({ systemLogLevel: 'LOUD' as unknown as lambda.SystemLogLevel })).toThrow(/systemLogLevel must be a lambda\.SystemLogLevel \(e\.g\. lambda\.SystemLogLevel\.INFO\), got a string/);
  });
});
