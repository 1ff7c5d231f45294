import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import * as nag from './private/nag';
import { checkArray, checkDuration, checkInterface, checkNumber, checkOneOf, checkPropsObject, checkString, describeValue } from './private/validate';

/** Where scripts/bundle.mjs writes the layer's content when the library is built; shipped in the package. */
const LAYER_ASSET = path.join(__dirname, '..', 'assets', 'runtime-layer');
/** The construct id of the stack's one shared layer (`WebhookRuntimeLayer.of`). Public API: renaming it replaces the layer. */
const SHARED_LAYER_ID = 'CdkWebhookReceiverRuntimeLayer';

/**
 * A Lambda layer holding `cdk-webhook-receiver/runtime`, the processor runtime, at
 * `nodejs/node_modules/cdk-webhook-receiver/runtime`. Lambda puts a layer's `nodejs/node_modules` on the Node.js
 * module path (`/opt/nodejs/node_modules`), so a processor compiled with plain `tsc`, whose output still says
 * `require('cdk-webhook-receiver/runtime')`, finds the runtime there, and `@aws-sdk/client-dynamodb` in the Lambda
 * Node.js runtime itself: the processor needs neither a bundler nor Docker.
 *
 * The layer is built with the library (no work at synth). `WebhookProcessorFunction` attaches it; for a
 * `lambda.Function` of your own, add `WebhookRuntimeLayer.of(this)` to its `layers`. A processor you bundle
 * yourself (esbuild, `NodejsFunction`) carries the runtime already and needs no layer.
 */
export class WebhookRuntimeLayer extends lambda.LayerVersion {
  /**
   * The stack's one runtime layer, created on first use: every processor of a stack shares it.
   *
   * @param scope any construct in the stack
   */
  public static of(scope: IConstruct): WebhookRuntimeLayer {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SHARED_LAYER_ID);
    if (existing instanceof WebhookRuntimeLayer) return existing;
    if (existing) {
      throw new Error(`The construct id ${SHARED_LAYER_ID} is taken in stack ${stack.stackName} by something that is not a WebhookRuntimeLayer: rename that construct.`);
    }
    return new WebhookRuntimeLayer(stack, SHARED_LAYER_ID);
  }

  /**
   * Prefer `WebhookRuntimeLayer.of(scope)`, which shares one layer per stack.
   *
   * @param scope the construct this layer belongs to
   * @param id the layer's construct id
   */
  constructor(scope: Construct, id: string) {
    if (!existsSync(LAYER_ASSET)) {
      throw new Error(
        `The runtime layer's content is missing at ${LAYER_ASSET}: the package was not built. In a clone of the ` +
          'repository run `npm run build`; an installed package ships it.',
      );
    }
    super(scope, id, {
      code: lambda.Code.fromAsset(LAYER_ASSET),
      compatibleRuntimes: [lambda.Runtime.NODEJS_22_X, lambda.Runtime.NODEJS_24_X],
      compatibleArchitectures: [lambda.Architecture.ARM_64, lambda.Architecture.X86_64],
      license: 'Apache-2.0',
      description: "cdk-webhook-receiver's processor runtime: require('cdk-webhook-receiver/runtime')",
    });
  }
}

/** Props of `WebhookProcessorFunction`. */
export interface WebhookProcessorFunctionProps {
  /**
   * Your processor's code: a folder with the JavaScript that `tsc` (or you) wrote, e.g.
   * `lambda.Code.fromAsset(path.join(__dirname, '..', 'processor', 'dist'))`. It may `require` or `import`
   * `cdk-webhook-receiver/runtime` and `@aws-sdk/*`, which the runtime layer and the Lambda Node.js runtime
   * provide; any other package must be in the folder (or bundled into it).
   */
  readonly code: lambda.Code;

  /**
   * The exported function Lambda calls: `<file without .js>.<export>`, relative to the code's folder.
   *
   * @default 'index.handler'
   */
  readonly handler?: string;

  /**
   * How long one invocation (a batch of events) may run. The receiver derives its queue's visibility timeout
   * from it (6x).
   *
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;

  /**
   * Memory, in MiB (128-10240); CPU grows with it.
   *
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * The instruction set. The runtime layer is plain JavaScript and fits both.
   *
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;

  /**
   * Environment variables of your own. The receiver adds the inbox table's name and the metric settings.
   *
   * @default - only those the receiver adds
   */
  readonly environment?: { [key: string]: string };

  /**
   * A description of the function.
   *
   * @default - none
   */
  readonly description?: string;

  /**
   * The function's execution role.
   *
   * @default - a new role (construct id `<id>Role`, beside the function) allowed only to write the function's log group, with no AWS managed policy; the receiver grants it the queue and inbox access it needs
   */
  readonly role?: iam.IRole;

  /**
   * The log group the function writes to.
   *
   * @default - a new log group (construct id `<id>Logs`, beside the function) kept for `logRetention`
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * How long the log group the function creates keeps its events (ignored with `logGroup`).
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The least level of Lambda's own (platform) lines the function's log group receives. The function uses Lambda's
   * JSON log format. At `WARN` the START/END/REPORT records of every invocation are not written (their durations
   * are in the `AWS/Lambda` metrics, and a crash still counts in `Errors`); `INFO` writes them.
   *
   * @default lambda.SystemLogLevel.WARN
   */
  readonly systemLogLevel?: lambda.SystemLogLevel;

  /**
   * The least level of your code's log lines (and the runtime's) that the log group receives: with the JSON log
   * format, `console.debug` is DEBUG, `console.log` and `console.info` INFO. Not above INFO: the runtime's metrics
   * (EMF documents) carry no level, which Lambda reads as INFO, and would be dropped.
   *
   * @default lambda.ApplicationLogLevel.INFO
   */
  readonly applicationLogLevel?: lambda.ApplicationLogLevel;

  /**
   * AWS X-Ray tracing.
   *
   * @default lambda.Tracing.DISABLED
   */
  readonly tracing?: lambda.Tracing;

  /**
   * At most this many concurrent executions of this function (the receiver's `maxConcurrency` is usually the
   * better limit: it keeps events in the queue instead of throttling the function).
   *
   * @default - no reserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * More layers, after the runtime layer.
   *
   * @default - only the runtime layer
   */
  readonly layers?: lambda.ILayerVersion[];

  /**
   * The layer that provides `cdk-webhook-receiver/runtime`.
   *
   * @default - the stack's shared `WebhookRuntimeLayer.of(this)`
   */
  readonly runtimeLayer?: lambda.ILayerVersion;
}

/**
 * Your processor as a Node.js 24 Lambda function (arm64 by default) with the `cdk-webhook-receiver/runtime`
 * layer attached, so its code can be plain `tsc` output (or JavaScript) with no bundler and no Docker at synth.
 * Give it to `WebhookReceiver` as its `processor`. Usable from every jsii language (Python, Java, .NET, Go):
 * the function itself is Node.js code.
 */
export class WebhookProcessorFunction extends lambda.Function {
  /** The layer that provides `cdk-webhook-receiver/runtime` to this function. */
  public readonly runtimeLayer: lambda.ILayerVersion;

  /**
   * @param scope the construct this function belongs to (usually the stack)
   * @param id the function's construct id
   * @param props your processor's code and its settings
   */
  constructor(scope: Construct, id: string, props: WebhookProcessorFunctionProps) {
    validateProps(props);
    const runtimeLayer = props.runtimeLayer ?? WebhookRuntimeLayer.of(scope);
    // Created beside the function (its own scope does not exist before super()): a role that may write only the
    // function's log group, instead of lambda.Function's default role with the AWSLambdaBasicExecutionRole
    // managed policy (cdk-nag AwsSolutions-IAM4).
    const logGroup = props.logGroup ?? new logs.LogGroup(scope, `${id}Logs`, { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    const role = props.role ?? new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the webhook processor ${id}`,
    });
    if (!props.role || !props.logGroup) logGroup.grantWrite(role);
    super(scope, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: props.architecture ?? lambda.Architecture.ARM_64,
      code: props.code,
      handler: props.handler ?? 'index.handler',
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 256,
      environment: props.environment,
      description: props.description,
      role,
      logGroup,
      tracing: props.tracing,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      layers: [runtimeLayer, ...(props.layers ?? [])],
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2: props.systemLogLevel ?? lambda.SystemLogLevel.WARN,
      applicationLogLevelV2: props.applicationLogLevel ?? lambda.ApplicationLogLevel.INFO,
    });
    this.runtimeLayer = runtimeLayer;
    nag.acknowledgeProcessorFunction(this, props.tracing !== undefined && props.tracing !== lambda.Tracing.DISABLED, props.role ? undefined : role);
  }
}

function validateProps(props: WebhookProcessorFunctionProps): void {
  checkPropsObject('WebhookProcessorFunction', props, "{ code: lambda.Code.fromAsset('processor/dist') }");
  checkInterface('code', props.code, ['bind'], "a lambda.Code (e.g. lambda.Code.fromAsset('processor/dist'), the folder tsc wrote)", true);
  checkString('handler', props.handler);
  if (props.handler !== undefined && !/^[^\s.][^\s]*\.[A-Za-z_$][\w$]*$/.test(props.handler)) {
    throw new Error(`handler must be "<file without .js>.<exported function>", e.g. index.handler or dist/index.handler; got "${props.handler}".`);
  }
  checkDuration('timeout', props.timeout);
  checkNumber('memorySize', props.memorySize);
  checkNumber('reservedConcurrentExecutions', props.reservedConcurrentExecutions);
  checkNumber('logRetention', props.logRetention);
  checkString('description', props.description);
  checkOneOf('systemLogLevel', props.systemLogLevel, Object.values(lambda.SystemLogLevel), 'a lambda.SystemLogLevel (e.g. lambda.SystemLogLevel.INFO)');
  const levels = [lambda.ApplicationLogLevel.TRACE, lambda.ApplicationLogLevel.DEBUG, lambda.ApplicationLogLevel.INFO];
  if (props.applicationLogLevel !== undefined && !levels.includes(props.applicationLogLevel)) {
    throw new Error(
      `applicationLogLevel must be lambda.ApplicationLogLevel.TRACE, DEBUG or INFO (the runtime's metrics are written at INFO and a higher level would drop them), got ${describeValue(props.applicationLogLevel)}.`,
    );
  }
  checkInterface('role', props.role, ['grantPrincipal', 'addToPrincipalPolicy'], 'an iam.IRole', false);
  checkInterface('logGroup', props.logGroup, ['grantWrite'], 'a logs.ILogGroup', false);
  checkInterface('runtimeLayer', props.runtimeLayer, ['addPermission'], 'a lambda.ILayerVersion (e.g. WebhookRuntimeLayer.of(this))', false);
  checkArray('layers', props.layers, (name, value) => checkInterface(name, value, ['addPermission'], 'a lambda.ILayerVersion', true));
  if (props.environment !== undefined && (typeof props.environment !== 'object' || props.environment === null || Array.isArray(props.environment))) {
    throw new Error('environment must be an object of string values, e.g. { STAGE: \'prod\' }.');
  }
}
