/**
 * `cdk-webhook-receiver/testing`: the test kit for processor authors. `signRequest` builds a genuinely signed request
 * for any catalog provider (or a generic `WebhookProvider`); `startTestReceiver` runs a processor function through
 * the real verify -> dedup -> queue -> process path on local stand-ins; the key helpers make the key pairs that
 * stand in for the providers that sign with their own private key. A JavaScript/TypeScript export only: jsii
 * assemblies carry no subpath exports.
 */
export { signRequest, signableProviders, sampleEventTypes, signsWithPrivateKey, localTestSecret } from './sign';
export type { AppStoreSignOptions, SignRequestOptions, SignedWebhookRequest, SignTarget, ProviderLike, WebhookProviderLike } from './sign';
export { generateTestKeyPair, localTestKeyPair, localPayPalCertificate, localAppleChain, localPlaidKey, LOCAL_PAYPAL_CERTIFICATE_PATH, LOCAL_PLAID_KEY_PATH } from './keys';
export type { TestKeyAlgorithm, TestKeyPair, LocalPayPalCertificate, LocalAppleChain, LocalPlaidKey } from './keys';
export * from './receiver';
