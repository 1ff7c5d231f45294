/**
 * The verifier's code asset: the shipped bundle (`assets/verifier/index.js`) and its `config.json`, staged
 * together in a directory of their own when the app is synthesized (so providers added after the receiver's
 * constructor are in it). No esbuild and no Docker: the bundle is copied as built.
 *
 * Values known only at deploy time (tokens) are not in the file: `DeployTimeValues` lifts each token out into
 * the `WEBHOOK_RECEIVER_VALUES` environment variable (once per distinct token) and leaves a `DeployTimeValue`
 * reference in its place.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Lazy, Stack, Token } from 'aws-cdk-lib';
import type * as cdk from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import { CONFIG_FILE, type DeployTimeValue } from '../../contract/config';

/** Staging directories of this process, removed when it exits (the assets are in the cloud assembly by then). */
const stagingDirectories = new Set<string>();

function removeAtExit(dir: string): void {
  if (stagingDirectories.size === 0) {
    process.once('exit', () => {
      for (const staged of stagingDirectories) fs.rmSync(staged, { recursive: true, force: true });
    });
  }
  stagingDirectories.add(dir);
}

/** How a token in a string is written (`${Token[NAME.123]}`). */
const STRING_TOKEN = /\$\{Token\[[^\]]*\]\}/g;

/** Bytes counted at synth time for a deploy-time value whose length is unknown (an ARN, a URL). */
export const UNKNOWN_VALUE_BYTES = 120;

/** The deploy-time values of one configuration, each distinct token once. */
export class DeployTimeValues {
  private readonly values: unknown[] = [];
  private readonly estimates: number[] = [];
  private readonly indexes = new Map<string, number>();

  /**
   * The index of a value, added if new. `key` identifies it (a token's string form); `estimate` is the bytes it
   * takes once resolved, where that is known better than `UNKNOWN_VALUE_BYTES`.
   */
  public indexOf(key: string, value: unknown, estimate = UNKNOWN_VALUE_BYTES): number {
    let index = this.indexes.get(key);
    if (index === undefined) {
      index = this.values.length;
      this.values.push(value);
      this.estimates.push(estimate);
      this.indexes.set(key, index);
    }
    return index;
  }

  /** A reference to a string with tokens in it: its literal parts kept, each token lifted out. */
  public refString(text: string): DeployTimeValue {
    const parts: Array<string | number> = [];
    let last = 0;
    for (const match of text.matchAll(STRING_TOKEN)) {
      if (match.index! > last) parts.push(text.slice(last, match.index));
      parts.push(this.indexOf(match[0], match[0]));
      last = match.index! + match[0].length;
    }
    if (last < text.length) parts.push(text.slice(last));
    return { $ref: parts };
  }

  /** `config` with every token lifted out (tokens in strings, numbers and keys' values alike). */
  public externalize(config: unknown): unknown {
    if (typeof config === 'string') return Token.isUnresolved(config) ? this.refString(config) : config;
    if (typeof config === 'number') return Token.isUnresolved(config) ? { $ref: [this.indexOf(`number:${config}`, config)] } : config;
    if (Array.isArray(config)) {
      if (Token.isUnresolved(config)) throw new Error('A list token cannot be part of the verifier\'s configuration.');
      return config.map((item) => this.externalize(item));
    }
    if (config === null || typeof config !== 'object') return config;
    if (Token.isUnresolved(config)) throw new Error('An unresolved object cannot be part of the verifier\'s configuration.');
    if ('$ref' in config) return config; // already a reference
    return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined).map(([k, v]) => [k, this.externalize(v)]));
  }

  /** The environment variable's value: the JSON array, resolved at deploy time. */
  public render(scope: Construct): string {
    return Stack.of(scope).toJsonString(this.values);
  }

  /** An estimate of the resolved environment variable's size in bytes. */
  public estimateBytes(): number {
    // Each value as a JSON string: quotes and a comma.
    return 2 + this.estimates.reduce((sum, bytes) => sum + bytes + 3, 0);
  }
}

/**
 * The verifier's code: an S3 asset staged at synthesis, when the configuration is final. Until then its location
 * is a lazy value; `stage` must run before the template is resolved (the receiver does it in an aspect).
 */
export class StagedVerifierCode extends lambda.Code {
  public readonly isInline = false;
  private asset?: s3assets.Asset;
  private staged?: string;

  constructor(private readonly bundleDir: string) {
    super();
  }

  /** Whether the code is staged: its configuration can no longer change. */
  public get isStaged(): boolean {
    return this.asset !== undefined;
  }

  public bind(_scope: Construct): lambda.CodeConfig {
    const asset = () => {
      if (!this.asset) throw new Error('The verifier\'s code was resolved before it was staged.');
      return this.asset;
    };
    return {
      s3Location: {
        bucketName: Lazy.string({ produce: () => asset().s3BucketName }),
        objectKey: Lazy.string({ produce: () => asset().s3ObjectKey }),
      },
    };
  }

  /** Copies the bundle and writes `config` beside it in a fresh directory, and makes that the function's code. */
  public stage(scope: Construct, id: string, config: unknown, resource: cdk.CfnResource): void {
    const text = `${JSON.stringify(config)}\n`;
    if (this.asset) {
      // Synthesized again (aspects may run on each synthesis): the same configuration is already staged.
      if (text === this.staged) return;
      throw new Error('Providers were added to the receiver after its app was synthesized; add them before.');
    }
    this.staged = text;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-verifier-'));
    for (const file of fs.readdirSync(this.bundleDir)) {
      fs.copyFileSync(path.join(this.bundleDir, file), path.join(dir, file));
    }
    fs.writeFileSync(path.join(dir, CONFIG_FILE), text);
    removeAtExit(dir);
    this.asset = new s3assets.Asset(scope, id, { path: dir });
    this.asset.addResourceMetadata(resource, 'Code');
  }
}
