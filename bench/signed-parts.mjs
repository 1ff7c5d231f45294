// What assembling the signed content costs, beside the HMAC itself: one HMAC-SHA256 over a 2 KB body alone, over the
// same body with a text prefix joined to it once beforehand (as bench/verify-speed.mjs's floor is given it), and over
// the body with the prefix made per call from the request's values (`{id}.{timestamp}.` for the Standard Webhooks
// family and OpenAI), fed as two updates, as any verifier of such a scheme must. Interleaved rounds, median ns per
// call; run with `node scripts/with-node.mjs bench/signed-parts.mjs` (prefix `taskset -c 1` on a shared machine).
import { createHmac, createSecretKey, randomBytes, randomUUID } from 'node:crypto';

const key = createSecretKey(randomBytes(32));
const body = Buffer.from(JSON.stringify({ id: randomUUID(), note: `café ${'x'.repeat(2030)}` }));
const id = `msg_${randomUUID()}`;
const timestamp = String(Math.floor(Date.now() / 1000));
const joined = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
// The prefix as a verifier makes it: from strings it read from the request, on every call.
const values = [id, timestamp];
const prefix = () => `${values[0]}.${values[1]}.`;

const variants = {
  'body alone': () => createHmac('sha256', key).update(body).digest(),
  'prefix joined once (the floor)': () => createHmac('sha256', key).update(joined).digest(),
  'prefix made per call, then the body': () => createHmac('sha256', key).update(prefix()).update(body).digest(),
};
const names = Object.keys(variants);
const times = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 0; round < 30; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + round) % names.length];
    const run = variants[name];
    const start = process.hrtime.bigint();
    for (let call = 0; call < 20_000; call++) run();
    times[name].push(Number(process.hrtime.bigint() - start) / 20_000);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const floor = median(times['prefix joined once (the floor)']);
console.log(`HMAC-SHA256 over a ${body.length}-byte body, median of 30 interleaved rounds (Node ${process.versions.node})`);
for (const name of names) {
  const ns = median(times[name]);
  console.log(`${name.padEnd(38)} ${ns.toFixed(0).padStart(6)} ns   ${(floor / ns).toFixed(2)}x the floor's speed`);
}
