/** What the reconciler needs from a provider's API: pages of a time window, and what to do with each page. */
import type { ReconcileProviderConfig } from '../../contract/reconcile';
import type { Delivery, DeliveryResult } from '../verifier/enqueue';
import type { Logger } from '../shared/log';
import type { HttpDependencies } from './http';
import type { SeenCheck } from './seen';

export interface Window {
  /** Epoch seconds, inclusive. */
  readonly since: number;
  /** Epoch seconds, exclusive. */
  readonly until: number;
}

export interface Counts {
  checked: number;
  missed: number;
  redeliveryRequested: number;
}

export interface SourceContext {
  readonly provider: ReconcileProviderConfig;
  readonly credential: string;
  readonly http: HttpDependencies;
  readonly seen: SeenCheck;
  readonly enqueue: (delivery: Delivery) => Promise<DeliveryResult>;
  readonly log: Logger;
  readonly now: () => number;
}

export interface Source {
  /**
   * Reads one page of the window (`page`: where the previous page ended, absent for the first), handles its events,
   * and says where the next page starts (absent: the window is done). Throws before returning if any event of the
   * page could not be handled, so the page is read again by the next run.
   */
  handlePage(window: Window, page: string | undefined, counts: Counts): Promise<string | undefined>;
}
