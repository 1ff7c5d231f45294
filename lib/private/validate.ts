/**
 * Type checks at run time, for users who call the constructs from JavaScript (no compiler to catch a wrong type)
 * and for values that reach us through `any`. Each message names the prop and says what it expects, so a string
 * where a secret belongs fails with "secret ... must be a secretsmanager.ISecret", not with "grantRead is not a
 * function" from deep inside. Python, Java and .NET users get jsii's own type errors first.
 *
 * A message never repeats a string value: a string passed where a secret belongs may be the secret itself.
 */
import { Token } from 'aws-cdk-lib';

/** What a value is, for an error message, without its contents when it is a string. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return Token.isUnresolved(value) ? 'a token string' : 'a string';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `an instance of ${name}` : 'a plain object';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return isObject(value) && methods.every((method) => typeof value[method] === 'function');
}

/** A required object of props (the construct's or a factory's). */
export function checkPropsObject(what: string, value: unknown, example: string): void {
  if (!isObject(value)) {
    throw new Error(`${what} needs its props as an object, e.g. ${example}; got ${describeValue(value)}.`);
  }
}

/** A value with the given methods (a CDK interface such as `lambda.IFunction`); `required` fails on undefined. */
export function checkInterface(name: string, value: unknown, methods: readonly string[], expects: string, required: boolean): void {
  if (value === undefined && !required) return;
  if (value === undefined) throw new Error(`${name} is required: ${expects}.`);
  if (!hasMethods(value, methods)) throw new Error(`${name} must be ${expects}, got ${describeValue(value)}.`);
}

/** An optional `Duration`. */
export function checkDuration(name: string, value: unknown): void {
  if (value !== undefined && !hasMethods(value, ['toSeconds', 'toMilliseconds'])) {
    throw new Error(`${name} must be a Duration (e.g. Duration.seconds(30)), got ${describeValue(value)}.`);
  }
}

/** An optional `Size`. */
export function checkSize(name: string, value: unknown): void {
  if (value !== undefined && !hasMethods(value, ['toBytes', 'toKibibytes'])) {
    throw new Error(`${name} must be a Size (e.g. Size.kibibytes(256)), got ${describeValue(value)}.`);
  }
}

/** An optional boolean. */
export function checkBoolean(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new Error(`${name} must be true or false, got ${describeValue(value)}.`);
  }
}

/** An optional number (ranges are checked where they are known). */
export function checkNumber(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'number') {
    throw new Error(`${name} must be a number, got ${describeValue(value)}.`);
  }
}

/** An optional string. */
export function checkString(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'string') {
    throw new Error(`${name} must be a string, got ${describeValue(value)}.`);
  }
}

/** An optional array whose items pass `item`. */
export function checkArray(name: string, value: unknown, item: (itemName: string, v: unknown) => void): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw new Error(`${name} must be an array, got ${describeValue(value)}.`);
  value.forEach((v, i) => item(`${name}[${i}]`, v));
}

/** An optional value of a string enum (`RemovalPolicy`, ...): one of `allowed`. */
export function checkOneOf(name: string, value: unknown, allowed: readonly unknown[], expects: string): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new Error(`${name} must be ${expects}, got ${describeValue(value)}.`);
  }
}
