/**
 * Reads a cloud assembly (`cdk.out`) and finds every WebhookReceiver in it, with what the dev server needs to run
 * each one: the verifier's staged code and configuration, the processor's code, handler, environment and layers,
 * the event source mapping's batch settings, and the table and queues to create locally.
 *
 * A receiver is found by its operator outputs (contract/outputs.ts: `queueUrl`, `deadLetterQueueUrl`,
 * `inboxTableName` name it by its construct path); its verifier is the function whose `WEBHOOK_RECEIVER_VALUES`
 * refers to its queue, its processor the target of the event source mapping on its queue. Code directories come
 * from the asset manifest (`<hash>.zip` -> `asset.<hash>`), or from `aws:asset:path` metadata when present.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE, CONFIG_VALUES_ENV } from '../../contract/config';
import { parseReceiverOutputDescription, type ReceiverOutputKind } from '../../contract/outputs';
import { CommandError } from '../shared/io';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface FunctionSpec {
  readonly logicalId: string;
  /** The directory of the function's code (a staged asset in the assembly). */
  readonly codeDir: string;
  /** `index.handler`. */
  readonly handler: string;
  /** The template's environment variables, still as CloudFormation values. */
  readonly environment: Record<string, Json>;
  /** Directories of the function's layers (their `nodejs/node_modules` are on the module path, as in Lambda). */
  readonly layerDirs: string[];
  readonly timeoutSeconds: number;
}

export interface ReceiverSpec {
  /** The stack's name (artifact id). */
  readonly stack: string;
  /** The receiver's construct path inside its stack (`Webhooks`, `Billing/Payments`). */
  readonly path: string;
  readonly verifier: FunctionSpec & {
    /** `config.json` as the construct staged it, with its `$ref`s still in. */
    readonly config: Json;
  };
  readonly processor?: FunctionSpec & { readonly batchSize: number; readonly reportBatchItemFailures: boolean };
  readonly table: { readonly logicalId: string; readonly properties: Json };
  readonly queue: { readonly logicalId: string; readonly properties: Json; readonly maxReceiveCount: number };
  readonly deadLetterQueue: { readonly logicalId: string; readonly properties: Json };
  /** Buckets of the receiver (claim check, archive), by logical id. */
  readonly buckets: string[];
  /** The whole template, to resolve other references. */
  readonly template: Json;
}

/**
 * Runs the app's `app` command from cdk.json with CDK_OUTDIR, as the CDK CLI does, so that no CDK CLI is needed.
 * Resolves when the assembly is written; rejects with the app's own output when it fails.
 */
export async function synthesize(appDir: string, outDir: string, onOutput?: (text: string) => void): Promise<void> {
  const cdkJson = path.join(appDir, 'cdk.json');
  if (!existsSync(cdkJson)) {
    throw new CommandError(`No cdk.json in ${appDir}: run the command in your CDK app's folder, or read an existing assembly with --no-synth --out <dir>.`);
  }
  let settings: { app?: string; context?: Record<string, unknown> };
  try {
    settings = JSON.parse(readFileSync(cdkJson, 'utf8'));
  } catch (error) {
    throw new CommandError(`${cdkJson} is not JSON: ${(error as Error).message}`);
  }
  if (typeof settings.app !== 'string' || settings.app.trim() === '') throw new CommandError(`${cdkJson} has no "app" command.`);
  const context = { ...(settings.context ?? {}) };
  await new Promise<void>((resolve, reject) => {
    const child = spawn(settings.app!, {
      cwd: appDir,
      shell: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CDK_OUTDIR: outDir, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_DEFAULT_REGION: process.env.CDK_DEFAULT_REGION ?? 'us-east-1' },
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      onOutput?.(chunk.toString());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error) => reject(new CommandError(`Could not run the app command "${settings.app}": ${error.message}`)));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new CommandError(`The app command "${settings.app}" failed (${signal ?? `exit code ${code}`}):\n${output.trim().split('\n').slice(-30).join('\n')}`));
    });
  });
}

/** Every receiver of every stack in the assembly at `outDir` (nested assemblies of stages included). */
export function findReceivers(outDir: string): ReceiverSpec[] {
  const manifestFile = path.join(outDir, 'manifest.json');
  if (!existsSync(manifestFile)) throw new CommandError(`${outDir} is not a cloud assembly (no manifest.json). Synthesize the app first, or drop --no-synth.`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const receivers: ReceiverSpec[] = [];
  const artifacts: Record<string, Json> = manifest.artifacts ?? {};
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      receivers.push(...findReceivers(path.join(outDir, artifact.properties.directoryName)));
    }
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const template = JSON.parse(readFileSync(path.join(outDir, artifact.properties.templateFile), 'utf8'));
    const assetDirs = assetDirectories(outDir, artifacts, id);
    receivers.push(...receiversOfStack(artifact.displayName ?? id, template, assetDirs, outDir));
  }
  return receivers;
}

/** Asset hash -> its directory, from the stack's asset manifest. */
function assetDirectories(outDir: string, artifacts: Record<string, Json>, stackId: string): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const artifact of Object.values(artifacts)) {
    if (artifact.type !== 'cdk:asset-manifest') continue;
    const deps: string[] = artifacts[stackId]?.dependencies ?? [];
    if (deps.length > 0 && !deps.some((d) => artifacts[d] === artifact)) continue;
    const assets = JSON.parse(readFileSync(path.join(outDir, artifact.properties.file), 'utf8'));
    for (const [hash, file] of Object.entries<Json>(assets.files ?? {})) {
      if (file.source?.path) dirs.set(hash, path.resolve(outDir, file.source.path));
    }
  }
  return dirs;
}

function receiversOfStack(stack: string, template: Json, assetDirs: Map<string, string>, outDir: string): ReceiverSpec[] {
  const resources: Record<string, Json> = template.Resources ?? {};
  const byReceiver = new Map<string, Partial<Record<ReceiverOutputKind, string>>>();
  for (const output of Object.values<Json>(template.Outputs ?? {})) {
    const parsed = parseReceiverOutputDescription(output.Description);
    const ref = output.Value?.Ref;
    if (!parsed || typeof ref !== 'string') continue;
    byReceiver.set(parsed.receiverPath, { ...byReceiver.get(parsed.receiverPath), [parsed.kind]: ref });
  }
  const found: ReceiverSpec[] = [];
  for (const [receiverPath, ids] of byReceiver) {
    if (!ids.queueUrl || !ids.deadLetterQueueUrl || !ids.inboxTableName) continue;
    const queueId = ids.queueUrl;
    const verifierId = Object.keys(resources).find((id) => {
      const r = resources[id];
      const values = r.Type === 'AWS::Lambda::Function' ? r.Properties?.Environment?.Variables?.[CONFIG_VALUES_ENV] : undefined;
      return values !== undefined && JSON.stringify(values).includes(JSON.stringify({ Ref: queueId }));
    });
    if (!verifierId) throw new CommandError(`Stack ${stack}, receiver ${receiverPath}: no verifier function refers to its queue ${queueId}.`);
    const verifier = functionSpec(stack, verifierId, resources, assetDirs, outDir);
    const configFile = path.join(verifier.codeDir, CONFIG_FILE);
    if (!existsSync(configFile)) throw new CommandError(`Stack ${stack}, receiver ${receiverPath}: the verifier's code ${verifier.codeDir} has no ${CONFIG_FILE}.`);
    const mapping = Object.values<Json>(resources).find(
      (r) => r.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(r.Properties?.EventSourceArn) === JSON.stringify({ 'Fn::GetAtt': [queueId, 'Arn'] }),
    );
    let processor: ReceiverSpec['processor'];
    if (mapping) {
      const functionId = targetFunction(mapping.Properties.FunctionName, resources);
      if (functionId) {
        processor = {
          ...functionSpec(stack, functionId, resources, assetDirs, outDir),
          batchSize: Number(mapping.Properties.BatchSize ?? 10),
          reportBatchItemFailures: (mapping.Properties.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
        };
      }
    }
    const queueProps = resources[queueId]?.Properties ?? {};
    found.push({
      stack,
      path: receiverPath,
      verifier: { ...verifier, config: JSON.parse(readFileSync(configFile, 'utf8')) },
      processor,
      table: { logicalId: ids.inboxTableName, properties: resources[ids.inboxTableName]?.Properties ?? {} },
      queue: { logicalId: queueId, properties: queueProps, maxReceiveCount: Number(queueProps.RedrivePolicy?.maxReceiveCount ?? 5) },
      deadLetterQueue: { logicalId: ids.deadLetterQueueUrl, properties: resources[ids.deadLetterQueueUrl]?.Properties ?? {} },
      buckets: [ids.bodyBucketName, ids.archiveBucketName].filter((b): b is string => b !== undefined),
      template,
    });
  }
  return found;
}

/** The function a mapping's FunctionName refers to, through an alias or a version. */
function targetFunction(name: Json, resources: Record<string, Json>): string | undefined {
  const id = typeof name?.Ref === 'string' ? name.Ref : Array.isArray(name?.['Fn::GetAtt']) ? name['Fn::GetAtt'][0] : undefined;
  if (!id || !resources[id]) return undefined;
  const type = resources[id].Type;
  if (type === 'AWS::Lambda::Function') return id;
  if (type === 'AWS::Lambda::Alias' || type === 'AWS::Lambda::Version') return targetFunction(resources[id].Properties.FunctionName, resources);
  return undefined;
}

function functionSpec(stack: string, logicalId: string, resources: Record<string, Json>, assetDirs: Map<string, string>, outDir: string): FunctionSpec {
  const resource = resources[logicalId];
  const props = resource.Properties ?? {};
  if (props.Code?.ZipFile !== undefined) {
    throw new CommandError(`Stack ${stack}: function ${logicalId} has inline code; the dev server runs functions whose code is an asset directory.`);
  }
  const codeDir = codeDirectory(resource, props.Code, assetDirs, outDir);
  if (!codeDir) throw new CommandError(`Stack ${stack}: cannot find the code of function ${logicalId} in the assembly (an asset directory is needed).`);
  const layerDirs: string[] = [];
  for (const layer of props.Layers ?? []) {
    const layerId = layer?.Ref;
    const layerResource = typeof layerId === 'string' ? resources[layerId] : undefined;
    if (layerResource?.Type !== 'AWS::Lambda::LayerVersion') continue;
    const dir = codeDirectory(layerResource, layerResource.Properties?.Content, assetDirs, outDir);
    if (dir) layerDirs.push(dir);
  }
  return {
    logicalId,
    codeDir,
    handler: props.Handler ?? 'index.handler',
    environment: props.Environment?.Variables ?? {},
    layerDirs,
    timeoutSeconds: Number(props.Timeout ?? 3),
  };
}

function codeDirectory(resource: Json, code: Json, assetDirs: Map<string, string>, outDir: string): string | undefined {
  const metadataPath = resource.Metadata?.['aws:asset:path'];
  if (typeof metadataPath === 'string') {
    const dir = path.resolve(outDir, metadataPath);
    if (existsSync(dir)) return dir;
  }
  const key = code?.S3Key;
  const hash = typeof key === 'string' ? /([0-9a-f]{64})\.zip$/.exec(key)?.[1] : undefined;
  return hash ? assetDirs.get(hash) : undefined;
}

/**
 * Resolves a CloudFormation value: Ref and Fn::GetAtt through `lookup` (the local stand-ins of the stack's
 * resources), pseudo parameters as a local account in us-east-1, Fn::Join, Fn::Sub, Fn::Select, Fn::Split.
 */
export function resolveValue(value: Json, lookup: (logicalId: string, attribute?: string) => string, stack: string): Json {
  const pseudo: Record<string, string> = {
    'AWS::Region': 'us-east-1',
    'AWS::AccountId': '000000000000',
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stack,
    'AWS::StackId': `arn:aws:cloudformation:us-east-1:000000000000:stack/${stack}/local`,
  };
  const resolve = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v === null || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    if (keys.length !== 1) return Object.fromEntries(keys.map((k) => [k, resolve(v[k])]));
    const [fn] = keys;
    const arg = v[fn];
    switch (fn) {
      case 'Ref':
        return pseudo[arg] ?? lookup(arg);
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/);
        return lookup(id, attribute);
      }
      case 'Fn::Join':
        return (resolve(arg[1]) as Json[]).join(arg[0]);
      case 'Fn::Select':
        return (resolve(arg[1]) as Json[])[Number(resolve(arg[0]))];
      case 'Fn::Split':
        return String(resolve(arg[1])).split(arg[0]);
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? [arg[0], resolve(arg[1])] : [arg, {}];
        return String(text).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (vars[name] !== undefined) return vars[name];
          if (pseudo[name] !== undefined) return pseudo[name];
          const [id, attribute] = name.split(/\.(.*)/);
          return lookup(id, attribute || undefined);
        });
      }
      default:
        return Object.fromEntries(keys.map((k) => [k, resolve(v[k])]));
    }
  };
  return resolve(value);
}
