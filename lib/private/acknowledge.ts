import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one policy-validation rule (cdk-nag's packs, when a user applies them) on one construct, with the
 * reason in words. Kept next to the resource it concerns; the reason is recorded in the cloud assembly.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
