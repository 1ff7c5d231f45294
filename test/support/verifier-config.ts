/**
 * The verifier's configuration as a synthesized receiver gives it: `config.json` in the verifier's staged code
 * asset, and the deploy-time values in its `WEBHOOK_RECEIVER_VALUES` environment variable (an `Fn::Join` of JSON
 * text and CloudFormation intrinsics). Intrinsics are either written as placeholders (`<Ref Id>`,
 * `<GetAtt Id.Attr>`, `<NameSuffix Id>` for the `name-suffix` cut from a secret's ARN), or evaluated with given
 * values, as CloudFormation would at deploy time.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnElement, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { CONFIG_FILE, CONFIG_VALUES_ENV } from '../../contract/config';
import type { WebhookReceiver } from '../../lib';
import { fillIn } from '../../lambda/verifier/config';

/** The logical id of the CloudFormation resource behind an L2 construct. */
export function logicalIdOf(construct: IConstruct): string {
  const child = construct.node.defaultChild;
  if (!(child instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(child);
}

/** How `verifierConfigOf` writes the id of a secret created in the stack. */
export function inStackSecretId(secret: IConstruct): string {
  return `arn:<Ref AWS::Partition>:secretsmanager:<Ref AWS::Region>:<Ref AWS::AccountId>:secret:<NameSuffix ${logicalIdOf(secret)}>`;
}

/** Writes each intrinsic as a placeholder. */
export function placeholders(value: any): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value.Ref !== undefined) return `<Ref ${value.Ref}>`;
  if (value['Fn::GetAtt'] !== undefined) return `<GetAtt ${value['Fn::GetAtt'].join('.')}>`;
  if (value['Fn::Join'] !== undefined) {
    const [separator, parts] = value['Fn::Join'];
    return parts.map(placeholders).join(separator);
  }
  const select = value['Fn::Select'];
  if (select !== undefined && select[0] === 6 && select[1]['Fn::Split']?.[0] === ':' && select[1]['Fn::Split'][1].Ref) {
    return `<NameSuffix ${select[1]['Fn::Split'][1].Ref}>`;
  }
  throw new Error(`Unexpected intrinsic: ${JSON.stringify(value)}`);
}

/** Evaluates the intrinsics CloudFormation would, with `refs` giving each `Ref` (pseudo parameters included). */
export function evaluate(value: any, refs: Record<string, string>): any {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => evaluate(item, refs));
  if (value.Ref !== undefined) {
    if (!(value.Ref in refs)) throw new Error(`No value for Ref ${value.Ref}`);
    return refs[value.Ref];
  }
  if (value['Fn::Join'] !== undefined) {
    const [separator, parts] = value['Fn::Join'];
    return parts.map((part: unknown) => evaluate(part, refs)).join(separator);
  }
  if (value['Fn::Split'] !== undefined) {
    const [separator, text] = value['Fn::Split'];
    return String(evaluate(text, refs)).split(separator);
  }
  if (value['Fn::Select'] !== undefined) {
    const [index, list] = value['Fn::Select'];
    return evaluate(list, refs)[index];
  }
  throw new Error(`Cannot evaluate ${JSON.stringify(value)}`);
}

export interface SynthesizedVerifier {
  /** The staged code asset's directory in the cloud assembly. */
  readonly assetDir: string;
  /** The verifier's `AWS::Lambda::Function` resource. */
  readonly resource: any;
  /** `config.json` as staged, with its `$ref`s. */
  readonly file: any;
  /** The `WEBHOOK_RECEIVER_VALUES` value in the template (an intrinsic), undefined when absent. */
  readonly valuesEnv: unknown;
  /** Every environment variable of the verifier, as in the template. */
  readonly environment: Record<string, unknown>;
}

/** Synthesizes the receiver's app (once; later calls reuse the assembly) and reads the verifier's configuration. */
export function synthesizedVerifier(receiver: WebhookReceiver): SynthesizedVerifier {
  const stack = Stack.of(receiver);
  const template = Template.fromStack(stack).toJSON();
  const assembly = Stage.of(stack)!.synth();
  const resource = template.Resources[logicalIdOf(receiver.verifier)];
  const key: string = resource.Properties.Code.S3Key;
  const assetDir = path.join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
  const environment = resource.Properties.Environment?.Variables ?? {};
  return {
    assetDir,
    resource,
    file: JSON.parse(readFileSync(path.join(assetDir, CONFIG_FILE), 'utf8')),
    valuesEnv: environment[CONFIG_VALUES_ENV],
    environment,
  };
}

/** The verifier's configuration with its deploy-time values written as placeholders (see `placeholders`). */
export function verifierConfigOf(receiver: WebhookReceiver): any {
  const { file, valuesEnv } = synthesizedVerifier(receiver);
  const values = valuesEnv === undefined ? [] : JSON.parse(placeholders(valuesEnv));
  return fillIn(file, values);
}
