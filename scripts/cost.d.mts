// Types of scripts/cost.mjs, for test/cost.test.ts.
export interface Line { readonly item: string; readonly detail: string; readonly usd: number }
export interface Facts {
  readonly api: 'REST' | 'HTTP';
  readonly routes: number;
  readonly detailedMetrics: boolean;
  readonly stageTracing: boolean;
  readonly accessLogFormat?: string;
  readonly verifier: FunctionFacts & { readonly memoryMb: number };
  readonly processor: FunctionFacts;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly providers: number;
  readonly secrets: number;
  readonly secretMaxAgeSeconds: number;
  readonly alarms: ReadonlyArray<{ readonly id: string; readonly metrics: number }>;
  readonly compositeAlarms: number;
  readonly dashboards: number;
  readonly kmsKeys: number;
  readonly encrypted: boolean;
  readonly webAcls: ReadonlyArray<{ readonly id: string; readonly rules: number }>;
}
/** A function's facts; the log levels only with the JSON log format. */
export interface FunctionFacts {
  readonly id: string;
  readonly memoryMb?: number;
  readonly arm64: boolean;
  readonly tracing: boolean;
  readonly logFormat: 'Text' | 'JSON';
  readonly systemLogLevel?: string;
  readonly applicationLogLevel?: string;
}
export interface MetricCounts { readonly verifier: number; readonly processor: number }
export interface CostResult {
  readonly facts: Facts;
  readonly perBatch: number;
  readonly perRequest: Line[];
  readonly fixed: Line[];
  readonly perMillion: number;
  readonly monthly: number;
}
export declare const PRICES_DATE: string;
export declare const PRICES: Record<string, number>;
export declare const ASSUMPTIONS: Record<string, number>;
export declare const CALLS: {
  readonly verifierWritesPerEvent: number;
  readonly verifierWritesPerDuplicate: number;
  readonly verifierSendsPerEvent: number;
  readonly processorWritesPerEvent: number;
  readonly readsPerEvent: number;
  readonly writeUnitsPerWrite: number;
};
export declare const LOG_BYTES: {
  readonly verifierLine: number;
  readonly verifierLineLevel: string;
  readonly verifierEmf: number;
  readonly processorLine: number;
  readonly processorLineLevel: string;
  readonly processorEmf: number;
  readonly envelopeOverhead: number;
};
export declare const METRICS_WITH_DATA_EVERY_HOUR: { readonly verifier: readonly string[]; readonly processor: readonly string[] };
export declare function keepsLine(fn: FunctionFacts, level: string): boolean;
export declare function platformLogBytes(fn: FunctionFacts, ms: number): number[];
export declare const README_MARKERS: { readonly BEGIN: string; readonly END: string };
export declare function handlerMetricCounts(metricNames: { VERIFIER_COUNTERS: readonly string[]; PROCESSOR_COUNTERS: readonly string[]; MILLISECOND_METRICS: readonly string[] }): MetricCounts;
export declare function readTemplate(template: unknown): Facts;
export declare function costModel(facts: Facts, metricCounts: MetricCounts, assumptions?: Record<string, number>, prices?: Record<string, number>): CostResult;
export declare function renderMarkdown(title: string, result: CostResult): string;
export declare function renderReadmeTables(templates: Record<string, unknown>, metricCounts: MetricCounts): string;
export declare function synthesizeDefaults(): Record<string, unknown>;
