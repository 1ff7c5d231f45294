import type { RequestValue } from './provider';

/**
 * Strict order per entity: the receiver's queue and dead-letter queue are FIFO, and each event goes in the message
 * group of its entity (an order, a customer, a repository), read from the request by its provider's entity key.
 * Events of one entity reach the processor one at a time, in the order the verifier enqueued them; other entities'
 * events are not held up.
 */
export interface OrderingOptions {
  /**
   * Where the entity key is in the requests of every provider not listed in `entityKeys`: a header
   * (`RequestValue.header`) or a field of the JSON body (`RequestValue.jsonPath`).
   *
   * @default - providers not in `entityKeys` put all their events in one message group (one ordered stream)
   */
  readonly entityKey?: RequestValue;

  /**
   * Where the entity key is, by provider id (e.g. `{ stripe: RequestValue.jsonPath('data.object.id') }`). A request
   * without the value goes in its provider's fallback group (all such events of the provider, in one ordered
   * stream), not refused: refusing a verified event would lose it where the provider does not retry.
   *
   * @default - every provider uses `entityKey`
   */
  readonly entityKeys?: { [providerId: string]: RequestValue };
}
