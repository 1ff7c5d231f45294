/**
 * The claim check's bucket and grants in the template: created only when `maxBodySize` is above what always fits
 * one queue message; encrypted, TLS only, public access blocked, objects expiring; the verifier may put and the
 * processor get objects under the receiver's prefix only.
 */
import { Duration, Size } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { WebhookProvider, WebhookReceiver, type WebhookReceiverProps } from '../lib';
import { givenStack } from './support/stacks';

function build(props: Partial<WebhookReceiverProps> = {}, dedupWindow?: Duration) {
  const given = givenStack();
  const receiver = new WebhookReceiver(given.stack, 'Receiver', {
    provider: WebhookProvider.stripe({ secret: given.stripeSecret, dedupWindow }),
    processor: given.processor,
    maxBodySize: Size.mebibytes(4),
    ...props,
  });
  return { ...given, receiver, template: Template.fromStack(given.stack) };
}

const ref = (template: Template, type: string) => ({ Ref: Object.keys(template.findResources(type))[0] });

test('no bucket when every accepted body fits one queue message', () => {
  // GIVEN / WHEN the default limit (256 KiB) and the largest that always fits (762 KiB)
  for (const maxBodySize of [undefined, Size.bytes(780_288)]) {
    const { template, receiver } = build({ maxBodySize });
    // THEN
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(receiver.bodyBucket).toBeUndefined();
  }
});

test('the bucket is S3-encrypted, TLS only, with every public access blocked, and expires bodies after the dedup window plus 14 days', () => {
  // GIVEN / WHEN a 4 MiB limit and Stripe's default 7-day dedup window
  const { template, receiver } = build();

  // THEN
  expect(receiver.bodyBucket).toBeDefined();
  template.hasResourceProperties('AWS::S3::Bucket', {
    BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    LifecycleConfiguration: { Rules: [Match.objectLike({ Id: 'ExpireStoredBodies', Status: 'Enabled', ExpirationInDays: 21, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })] },
  });
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    },
  });
});

test('the lifecycle follows the longest dedup window, or bodyRetention', () => {
  // GIVEN / WHEN a 30-day dedup window
  const longer = build({}, Duration.days(30)).template;
  // THEN
  longer.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 44 })] } });
  // GIVEN / WHEN an explicit retention
  build({ bodyRetention: Duration.days(3) }).template.hasResourceProperties('AWS::S3::Bucket', {
    LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 3 })] },
  });
});

test('with an encryption key the bucket uses it, with an S3 Bucket Key', () => {
  // GIVEN / WHEN
  const given = givenStack();
  const key = new kms.Key(given.stack, 'Key', { enableKeyRotation: true });
  new WebhookReceiver(given.stack, 'Receiver', {
    provider: WebhookProvider.stripe({ secret: given.stripeSecret }),
    processor: given.processor,
    maxBodySize: Size.mebibytes(4),
    encryptionKey: key,
  });
  const template = Template.fromStack(given.stack);

  // THEN
  template.hasResourceProperties('AWS::S3::Bucket', {
    BucketEncryption: {
      ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Object.keys(template.findResources('AWS::KMS::Key'))[0], 'Arn'] } } }],
    },
  });
  // and each role may use the key through S3 only: the verifier to encrypt, the processor to decrypt
  const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  const viaS3 = statements.filter((s: any) => s.Condition?.StringEquals?.['kms:ViaService']?.['Fn::Join']?.[1]?.[0] === 's3.');
  expect(viaS3.map((s: any) => s.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
});

test('the verifier may put and the processor get objects under the receiver\'s prefix, nothing more', () => {
  // GIVEN / WHEN
  const { template } = build();
  const bucketArn = { 'Fn::GetAtt': [ref(template, 'AWS::S3::Bucket').Ref, 'Arn'] };
  // The prefix is the receiver's unique name, a literal, so no role reaches another receiver's objects.
  const objects = { 'Fn::Join': ['', [bucketArn, expect.stringMatching(/^\/Test-Receiver-[0-9A-F]{8}\/\*$/)]] };

  // THEN
  const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) =>
    p.Properties.PolicyDocument.Statement.map((s: any) => ({ roles: p.Properties.Roles, ...s })),
  );
  const s3Statements = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('s3:')));
  expect(s3Statements).toHaveLength(2);
  const verifierRole = Object.keys(template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('webhook verifier') } }))[0];
  expect(s3Statements).toContainEqual(expect.objectContaining({ Action: 's3:PutObject', Resource: objects, roles: [{ Ref: verifierRole }] }));
  expect(s3Statements).toContainEqual(expect.objectContaining({ Action: 's3:GetObject', Resource: objects }));
  expect(s3Statements.find((s: any) => s.Action === 's3:GetObject').roles).not.toContainEqual({ Ref: verifierRole });
});

test('the verifier\'s configuration names the bucket and the prefix', () => {
  // GIVEN / WHEN
  const { template } = build();
  // THEN the deploy-time bucket name travels in the verifier's environment
  const verifier = Object.values(template.findResources('AWS::Lambda::Function')).find((f: any) => f.Properties.Environment?.Variables?.WEBHOOK_RECEIVER_VALUES);
  expect(JSON.stringify(verifier)).toContain(JSON.stringify(ref(template, 'AWS::S3::Bucket')));
});

test('fails if maxBodySize is above what a Lambda proxy integration can carry', () => {
  expect(() => build({ maxBodySize: Size.bytes(4_669_441) })).toThrow(/maxBodySize \(bytes\) must be a whole number from 1 to 4669440, got 4669441/);
});

test('fails if bodyRetention is not whole days', () => {
  expect(() => build({ bodyRetention: Duration.hours(36) })).toThrow(/bodyRetention \(days\) must be a whole number from 1 to 3650, got 1.5/);
});

test('bodyRetention without a bucket is a warning', () => {
  const { stack } = build({ maxBodySize: undefined, bodyRetention: Duration.days(3) });
  Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('bodyRetention has no effect'));
});
