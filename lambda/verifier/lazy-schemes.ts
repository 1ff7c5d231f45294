/**
 * The schemes few receivers use: the JWT family (Vonage, LiveKit, `WebhookProvider.jwt`) and Braintree's form
 * payload and `bt_challenge`. The verifier bundle keeps them in a file of their own, `lazy-schemes.js` beside
 * `index.js` (scripts/bundle.mjs), required on first use (`lazy.ts`): a container whose providers use none of them
 * neither parses nor evaluates them at cold start. Measured with `npm run bench`.
 */
export { prepareJwt } from './jwt';
export { answerBraintreeChallenge, prepareBraintree } from './braintree';
