/**
 * A small evaluator for the subset of CloudWatch metric math the receiver's alarms use, and for the alarm
 * evaluation around it, so tests can run each alarm's synthesized expression on synthetic series.
 *
 * Semantics, from the CloudWatch user guide ("Metric math syntax and functions", "Using IF expressions"):
 * - A series is one value per period, `null` where it has no data point.
 * - Arithmetic (+ - * / ^): between two series a missing point counts as 0 (missing only if both are); between a
 *   series and a scalar a missing point stays missing. Division by zero drops the point.
 * - Comparison (== != <= >= < >) and logical (AND && OR ||) operators give 0 or 1, with the same rule for missing
 *   points.
 * - IF(condition, trueValue[, falseValue]), per point: a missing condition drops the point; a true condition takes
 *   trueValue (0 where a trueValue series has no point); a false one takes falseValue (dropped where it has no
 *   point, or when it is omitted). A scalar condition picks one argument whole.
 * - FILL(series, scalar) puts the scalar in every missing point.
 * Anything else (other functions, FILL with REPEAT or LINEAR) throws, so a new expression cannot pass untested.
 */

export type Series = Array<number | null>;
type Value = number | Series;

const isSeries = (v: Value): v is Series => Array.isArray(v);

type Token = { kind: 'number'; value: number } | { kind: 'name'; value: string } | { kind: 'op'; value: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|==|!=|&&|\|\||[-+*/^(),<>]))/y;
  let index = 0;
  while (index < expression.length) {
    if (/^\s*$/.test(expression.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(expression);
    if (!match) throw new Error(`Cannot read the expression at "${expression.slice(index)}"`);
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'number', value: Number(match[1]) });
    else if (match[2] !== undefined) {
      const word = match[2];
      if (word === 'AND' || word === 'OR') tokens.push({ kind: 'op', value: word === 'AND' ? '&&' : '||' });
      else tokens.push({ kind: 'name', value: word });
    } else tokens.push({ kind: 'op', value: match[3] });
  }
  return tokens;
}

type Node =
  | { type: 'number'; value: number }
  | { type: 'id'; name: string }
  | { type: 'call'; name: string; args: Node[] }
  | { type: 'unary'; operand: Node }
  | { type: 'binary'; op: string; left: Node; right: Node };

/** Precedence climbing, lowest first. */
const LEVELS = [['||'], ['&&'], ['==', '!=', '<=', '>=', '<', '>'], ['+', '-'], ['*', '/'], ['^']];

export function parse(expression: string): Node {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = () => tokens[position];
  const expect = (op: string) => {
    const token = tokens[position++];
    if (token?.kind !== 'op' || token.value !== op) throw new Error(`Expected "${op}" in ${expression}`);
  };
  const level = (n: number): Node => {
    if (n === LEVELS.length) return unary();
    let left = level(n + 1);
    for (;;) {
      const token = peek();
      if (token?.kind !== 'op' || !LEVELS[n].includes(token.value)) return left;
      position++;
      left = { type: 'binary', op: token.value, left, right: level(n + 1) };
    }
  };
  const unary = (): Node => {
    const token = peek();
    if (token?.kind === 'op' && token.value === '-') {
      position++;
      return { type: 'unary', operand: unary() };
    }
    return primary();
  };
  const primary = (): Node => {
    const token = tokens[position++];
    if (!token) throw new Error(`Unexpected end of ${expression}`);
    if (token.kind === 'number') return { type: 'number', value: token.value };
    if (token.kind === 'op' && token.value === '(') {
      const inner = level(0);
      expect(')');
      return inner;
    }
    if (token.kind === 'name') {
      if (peek()?.kind === 'op' && peek().value === '(') {
        position++;
        const args: Node[] = [];
        if (!(peek()?.kind === 'op' && peek().value === ')')) {
          args.push(level(0));
          while (peek()?.kind === 'op' && peek().value === ',') {
            position++;
            args.push(level(0));
          }
        }
        expect(')');
        return { type: 'call', name: token.value, args };
      }
      return { type: 'id', name: token.value };
    }
    throw new Error(`Unexpected "${token.value}" in ${expression}`);
  };
  const tree = level(0);
  if (position !== tokens.length) throw new Error(`Unexpected "${tokens[position].value}" in ${expression}`);
  return tree;
}

const OPERATIONS: Record<string, (a: number, b: number) => number | null> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => (b === 0 ? null : a / b),
  '^': (a, b) => a ** b,
  '==': (a, b) => Number(a === b),
  '!=': (a, b) => Number(a !== b),
  '<=': (a, b) => Number(a <= b),
  '>=': (a, b) => Number(a >= b),
  '<': (a, b) => Number(a < b),
  '>': (a, b) => Number(a > b),
  '&&': (a, b) => Number(a !== 0 && b !== 0),
  '||': (a, b) => Number(a !== 0 || b !== 0),
};

function binary(op: string, left: Value, right: Value, length: number): Value {
  const f = OPERATIONS[op];
  if (!isSeries(left) && !isSeries(right)) {
    const result = f(left, right);
    if (result === null) throw new Error('Division of two scalars by zero');
    return result;
  }
  const out: Series = [];
  for (let i = 0; i < length; i++) {
    const a = isSeries(left) ? left[i] : left;
    const b = isSeries(right) ? right[i] : right;
    if (isSeries(left) && isSeries(right)) {
      out.push(a === null && b === null ? null : f(a ?? 0, b ?? 0));
    } else {
      out.push(a === null || b === null ? null : f(a, b));
    }
  }
  return out;
}

function call(name: string, args: Value[], length: number): Value {
  if (name === 'FILL') {
    const [series, filler] = args;
    if (args.length !== 2 || !isSeries(series) || isSeries(filler)) throw new Error('FILL(series, scalar) is the only FILL this evaluator knows');
    return series.map((v) => v ?? filler);
  }
  if (name === 'IF') {
    if (args.length < 2 || args.length > 3) throw new Error('IF takes two or three arguments');
    const [condition, whenTrue, whenFalse] = args;
    if (!isSeries(condition)) return condition !== 0 ? whenTrue : (whenFalse ?? Array(length).fill(null));
    return condition.map((c, i) => {
      if (c === null) return null;
      if (c !== 0) return isSeries(whenTrue) ? (whenTrue[i] ?? 0) : whenTrue;
      if (whenFalse === undefined) return null;
      return isSeries(whenFalse) ? whenFalse[i] : whenFalse;
    });
  }
  throw new Error(`The test evaluator does not know ${name}(); extend test/support/metric-math.ts`);
}

/** Evaluates an expression over series of `length` periods, `ids` naming series (or nested expressions). */
export function evaluate(expression: string, ids: Record<string, Value | (() => Value)>, length: number): Value {
  const visit = (node: Node): Value => {
    switch (node.type) {
      case 'number':
        return node.value;
      case 'id': {
        const value = ids[node.name];
        if (value === undefined) throw new Error(`Unknown id "${node.name}" in ${expression}`);
        return typeof value === 'function' ? value() : value;
      }
      case 'unary':
        return binary('*', -1, visit(node.operand), length);
      case 'binary':
        return binary(node.op, visit(node.left), visit(node.right), length);
      case 'call':
        return call(node.name, node.args.map(visit), length);
    }
  };
  return visit(parse(expression));
}

/** The CloudFormation properties of an AWS::CloudWatch::Alarm that the evaluation needs. */
export interface AlarmProperties {
  readonly Threshold: number;
  readonly ComparisonOperator: string;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm?: number;
  readonly TreatMissingData?: string;
  readonly MetricName?: string;
  readonly Metrics?: Array<{ Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: { Metric: { MetricName: string } } }>;
}

/**
 * The series an alarm watches, from per-metric-name series (`{ Received: [...], RejectedSignature: [...] }`): the
 * alarm's own metric, or its metric math evaluated on the series of the metrics it queries.
 */
export function alarmSeries(alarm: AlarmProperties, data: Record<string, Series>): Series {
  const length = Math.max(...Object.values(data).map((s) => s.length));
  const seriesOf = (metricName: string): Series => {
    const series = data[metricName];
    if (!series) throw new Error(`No synthetic series for ${metricName}`);
    return series;
  };
  if (alarm.MetricName) return seriesOf(alarm.MetricName);
  const queries = alarm.Metrics ?? [];
  const ids: Record<string, () => Value> = {};
  for (const query of queries) {
    ids[query.Id] = query.MetricStat
      ? () => seriesOf(query.MetricStat!.Metric.MetricName)
      : () => evaluate(query.Expression!, ids, length);
  }
  const returned = queries.filter((q) => q.ReturnData !== false);
  if (returned.length !== 1) throw new Error('An alarm returns exactly one query');
  const result = ids[returned[0].Id]();
  if (!isSeries(result)) throw new Error('An alarm expression must give a series');
  return result;
}

const COMPARE: Record<string, (value: number, threshold: number) => boolean> = {
  GreaterThanThreshold: (v, t) => v > t,
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

/**
 * The state an alarm reaches on the last `EvaluationPeriods` points of the series: ALARM when at least
 * `DatapointsToAlarm` breach, missing points counting as `TreatMissingData` says.
 */
export function alarmState(alarm: AlarmProperties, series: Series): 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' {
  const window = series.slice(-alarm.EvaluationPeriods);
  const compare = COMPARE[alarm.ComparisonOperator];
  const treat = alarm.TreatMissingData ?? 'missing';
  let breaching = 0;
  let present = 0;
  for (const value of window) {
    if (value === null) {
      if (treat === 'breaching') breaching++;
      continue;
    }
    present++;
    if (compare(value, alarm.Threshold)) breaching++;
  }
  if (breaching >= (alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods)) return 'ALARM';
  if (present === 0 && (treat === 'missing' || treat === 'ignore')) return 'INSUFFICIENT_DATA';
  return 'OK';
}
