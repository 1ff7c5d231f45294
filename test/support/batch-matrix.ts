/**
 * What every provider whose body carries several events (GoCardless, LINE, Pusher) must do, declared from a small
 * description: a body of three events is three queue messages, each keyed by its own id; a retry of the same body
 * enqueues nothing; a later body that repeats one event and adds two enqueues only the two new ones. Requests are
 * signed by the provider's package (or as documented) and judged by its own verifier, as in `provider-matrix.ts`.
 */
import type { Matrix, SignedRequest } from './provider-matrix';

export interface BatchDescription {
  readonly kind: string;
  readonly matrix: Matrix;
  /** A fresh event (an item of the body's list). */
  item(): Record<string, unknown>;
  /** The body that carries these items. */
  batch(items: Array<Record<string, unknown>>): string;
  sign(body: string): SignedRequest;
  accepts(request: SignedRequest): boolean | Promise<boolean>;
  /** The id the envelope of an item carries, and its event type. */
  expected(item: Record<string, unknown>): { readonly deliveryId: string; readonly eventType?: string };
}

export function batchMatrix(description: BatchDescription): void {
  const harness = () => description.matrix.harness();
  const send = async (items: Array<Record<string, unknown>>) => {
    const request = description.sign(description.batch(items));
    expect(await description.accepts(request)).toBe(true);
    return harness().send(request);
  };

  describe(`${description.kind}: a body of several events`, () => {
    test('a body of 3 events is 3 messages, each with its own id, event type and position', async () => {
      // GIVEN a genuine body of three events
      const items = [description.item(), description.item(), description.item()];

      // WHEN it is delivered
      const answer = await send(items);

      // THEN each event is enqueued on its own
      const ids = items.map((item) => description.expected(item).deliveryId);
      expect(new Set(ids).size).toBe(3);
      expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: ids[0], events: 3, enqueued: 3 });
      const messages = await harness().messages();
      expect(messages.map((m) => [m.deliveryId, m.eventType, m.item]).sort()).toEqual(
        items.map((item, index) => [description.expected(item).deliveryId, description.expected(item).eventType, { index, count: 3 }]).sort(),
      );
      expect(await harness().records()).toBeGreaterThanOrEqual(3);
    });

    test('a retry of the same body enqueues nothing: a duplicate', async () => {
      // GIVEN a body already delivered
      const items = [description.item(), description.item(), description.item()];
      expect((await send(items)).body).toMatchObject({ code: 'accepted', enqueued: 3 });
      await harness().messages();
      const records = await harness().records();

      // WHEN the provider sends it again
      const again = await send(items);

      // THEN it is a duplicate, and no message or record is added
      expect(again.body).toMatchObject({ ok: true, code: 'duplicate', events: 3, enqueued: 0 });
      expect(await harness().messages()).toEqual([]);
      expect(await harness().records()).toBe(records);
    });

    test('a later body that repeats one event and adds two enqueues only the two new ones', async () => {
      // GIVEN a body already delivered
      const seen = description.item();
      expect((await send([seen, description.item()])).body).toMatchObject({ code: 'accepted', enqueued: 2 });
      await harness().messages();

      // WHEN a later body carries one of its events again, between two new ones
      const fresh = [description.item(), description.item()];
      const answer = await send([fresh[0], seen, fresh[1]]);

      // THEN only the new ones are enqueued
      expect(answer.body).toMatchObject({ ok: true, code: 'accepted', events: 3, enqueued: 2 });
      const messages = await harness().messages();
      expect(messages.map((m) => [m.deliveryId, m.item]).sort()).toEqual(
        [[description.expected(fresh[0]).deliveryId, { index: 0, count: 3 }], [description.expected(fresh[1]).deliveryId, { index: 2, count: 3 }]].sort(),
      );
    });
  });
}
