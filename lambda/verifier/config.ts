/**
 * Reads the verifier's configuration: `config.json` beside the code (written by the construct at synth time),
 * with its deploy-time values filled in from the `WEBHOOK_RECEIVER_VALUES` environment variable.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE, CONFIG_VALUES_ENV, type DeployTimeValue, type VerifierConfig } from '../../contract/config';

/** The configuration in `dir` (the function's code directory), with the environment's deploy-time values. */
export function loadConfig(dir: string, env: { readonly [name: string]: string | undefined }): VerifierConfig {
  const file = path.join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`The verifier's configuration ${file} cannot be read; the construct stages it beside the code.`, { cause: error });
  }
  const raw = env[CONFIG_VALUES_ENV];
  const values: unknown = raw === undefined || raw === '' ? [] : JSON.parse(raw);
  if (!Array.isArray(values)) throw new Error(`${CONFIG_VALUES_ENV} must be a JSON array.`);
  return fillIn(JSON.parse(text), values) as VerifierConfig;
}

function isDeployTimeValue(value: object): value is DeployTimeValue {
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === '$ref' && Array.isArray((value as DeployTimeValue).$ref);
}

/** Replaces every `DeployTimeValue` in `value` with what it stands for. */
export function fillIn(value: unknown, values: readonly unknown[]): unknown {
  if (Array.isArray(value)) return value.map((item) => fillIn(item, values));
  if (value === null || typeof value !== 'object') return value;
  if (isDeployTimeValue(value)) {
    const parts = value.$ref.map((part) => {
      if (typeof part === 'string') return part;
      if (!Number.isInteger(part) || part < 0 || part >= values.length) {
        throw new Error(`The configuration refers to deploy-time value ${part}; ${CONFIG_VALUES_ENV} has ${values.length}.`);
      }
      return values[part];
    });
    return parts.length === 1 ? parts[0] : parts.join('');
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillIn(item, values)]));
}
