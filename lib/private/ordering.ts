/** The construct's side of `ordering`: checks of its options and the verifier's configuration. */
import type { OrderingConfig, ValueSourceConfig } from '../../contract/config';
import type { OrderingOptions } from '../ordering';
import { RequestValue, type WebhookProvider } from '../provider';
import { checkPropsObject, describeValue } from './validate';

/** The verifier's ordering configuration for these providers; throws on a key that names no provider. */
export function orderingConfig(options: OrderingOptions, providers: readonly WebhookProvider[]): OrderingConfig {
  const entityKeys: { [providerId: string]: ValueSourceConfig } = {};
  for (const provider of providers) {
    const value = options.entityKeys?.[provider.id] ?? options.entityKey;
    if (value !== undefined) entityKeys[provider.id] = value._toConfig();
  }
  return { entityKeys };
}

/** Ids in `entityKeys` that name no provider of the receiver (checked when the app is synthesized). */
export function unknownEntityKeyProviders(options: OrderingOptions, providers: readonly WebhookProvider[]): string[] {
  return Object.keys(options.entityKeys ?? {}).filter((id) => !providers.some((p) => p.id === id));
}

/** Types and shapes, for JavaScript callers as well. */
export function checkOrderingOptions(options: OrderingOptions): void {
  checkPropsObject('ordering', options, "{ entityKey: RequestValue.jsonPath('data.object.id') }");
  const check = (name: string, value: unknown) => {
    if (!(value instanceof RequestValue)) {
      throw new Error(`${name} must be a RequestValue (RequestValue.header() or .jsonPath()), got ${describeValue(value)}.`);
    }
    if (value._toConfig().eventType) {
      throw new Error(`${name} is RequestValue.eventType(); an entity key is a header or a JSON path that names one entity.`);
    }
  };
  if (options.entityKey !== undefined) check('ordering.entityKey', options.entityKey);
  if (options.entityKeys !== undefined) {
    if (typeof options.entityKeys !== 'object' || options.entityKeys === null || Array.isArray(options.entityKeys)) {
      throw new Error(`ordering.entityKeys must be an object of RequestValues by provider id, got ${describeValue(options.entityKeys)}.`);
    }
    for (const [id, value] of Object.entries(options.entityKeys)) check(`ordering.entityKeys.${id}`, value);
  }
}
