/**
 * Rotation for a provider described for the standard matrix: after its secret is rotated (a new AWSCURRENT, the
 * old one AWSPREVIOUS), deliveries signed with either are accepted and one signed with a third is refused. It
 * runs on a harness of its own, so the matrix's harness keeps its single secret.
 */
import { expectRejected, providerHarness } from './provider-harness';
import type { ProviderDescription } from './provider-matrix';

export interface RotationOptions {
  /** The secret's new value as stored. */
  readonly stored: string;
  /** What `sign` takes to sign with the new secret (a private key where the stored value is a public key). @default stored */
  readonly signingSecret?: string;
}

/** Declares the rotation test for one provider. Call at the top level of a test file. */
export function rotationTest(description: ProviderDescription, options: RotationOptions): void {
  test(`${description.kind}: after a rotation, the new and the previous secret both verify; another does not`, async () => {
    // GIVEN a receiver whose secret has just been rotated
    const harness = await providerHarness(description.kind, { ...description.harness, secret: description.secret, id: `${description.kind}-rotation` });
    await harness.rotate(options.stored);

    // WHEN deliveries signed with the new and with the previous secret arrive (the provider's verifier accepts the old one)
    const byOld = await description.sign(description.event());
    if (description.accepts) expect(await description.accepts(byOld)).toBe(true);
    const byNew = await harness.send(await description.sign(description.event(), { secret: options.signingSecret ?? options.stored }));
    const byPrevious = await harness.send(byOld);

    // THEN both are accepted, and a third secret still is not
    if (description.reply) [byNew, byPrevious].forEach((answer) => description.reply!.expect(answer));
    else expect([byNew.body?.code, byPrevious.body?.code]).toEqual(['accepted', 'accepted']);
    expect(await harness.messages()).toHaveLength(2);
    await expectRejected(harness, await description.sign(description.event(), { secret: description.otherSecret }), 'signature_mismatch');
  });
}
