/**
 * The example processor: what an application developer writes. It receives verified, deduplicated events
 * and reports failures item by item through the runtime.
 */
import { webhookProcessor } from '../../lambda/runtime';

interface StripeEvent {
  readonly type: string;
  readonly data: { readonly object: { readonly id?: string } };
}

export const handler = webhookProcessor(async (event) => {
  switch (event.provider) {
    case 'stripe': {
      const stripeEvent = event.json<StripeEvent>();
      console.log(JSON.stringify({ message: 'stripe event', type: stripeEvent.type, object: stripeEvent.data.object.id }));
      break;
    }
    case 'github':
      console.log(JSON.stringify({ message: 'github event', type: event.eventType, deliveryId: event.deliveryId }));
      break;
    default:
      throw new Error(`No handling for provider ${event.provider}`);
  }
});
