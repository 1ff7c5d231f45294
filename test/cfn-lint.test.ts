/**
 * cfn-lint (AWS's CloudFormation linter, from PyPI, the version pinned in requirements-ci.txt) on every template we
 * synthesize: the example app (bin/app.ts, as built) and receivers in the configurations the other tests build
 * (minimal; every security option; an imported processor without the account role, alarms or dashboard; several
 * providers with GET routes, URL signing and per-route throttling; the HTTP API variant with a custom domain, and on
 * its own URL). No error is allowed; the warnings are exactly
 * the ones listed in JUSTIFIED below, each with its reason, so a new warning fails here until it is fixed or
 * justified in a reviewed change to this file.
 *
 * cfn-lint is a Python tool: CI installs it with
 *   python3 -m venv .venv-ci && .venv-ci/bin/pip install -r requirements-ci.txt
 * and this test fails (it does not skip) when it is missing or at another version. $CFN_LINT may name the binary.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ApiType, WebhookProvider, WebhookReceiver } from '../lib';
import { givenStack, type Given } from './support/stacks';

const ROOT = path.join(__dirname, '..');
const INSTALL = 'python3 -m venv .venv-ci && .venv-ci/bin/pip install -r requirements-ci.txt';

/** The version requirements-ci.txt pins. */
function pinnedVersion(): string {
  const match = /^cfn-lint==(\S+)$/m.exec(readFileSync(path.join(ROOT, 'requirements-ci.txt'), 'utf8'));
  if (!match) throw new Error('requirements-ci.txt pins no cfn-lint version (a line "cfn-lint==X.Y.Z").');
  return match[1];
}

/** The cfn-lint binary at the pinned version, or an error that says how to install it. */
function cfnLint(): string {
  const bin = process.env.CFN_LINT ?? path.join(ROOT, '.venv-ci', 'bin', 'cfn-lint');
  const pinned = pinnedVersion();
  const result = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(`cfn-lint is not installed at ${bin}. Install the pinned version from the repository root with:\n  ${INSTALL}\n(or set CFN_LINT to a cfn-lint ${pinned} binary).`);
  }
  const version = /cfn-lint (\S+)/.exec(result.stdout)?.[1];
  if (version !== pinned) {
    throw new Error(`${bin} is cfn-lint ${version ?? '(unknown version)'}; requirements-ci.txt pins ${pinned}. Reinstall with:\n  ${INSTALL}`);
  }
  return bin;
}

interface Finding {
  readonly Filename: string;
  readonly Level: string;
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path: Array<string | number> };
}

/**
 * The warnings we keep, by rule, with the reason. Each comes from aws-cdk-lib's own constructs, not from a choice
 * of ours that we could change without overriding CDK's rendering.
 */
const JUSTIFIED: Record<string, string> = {
  W3005:
    'aws-cdk-lib\'s lambda.Function adds DependsOn on its role (and the role\'s default policy) although Role is a GetAtt of it. '
    + 'The redundant edge costs nothing and changes no deployment order; removing it would mean overriding the L1 for every function.',
};

/** Each finding as "template: rule Resources/<logical id>". */
function describe_(finding: Finding): string {
  const where = finding.Location.Path.slice(0, 2).join('/');
  return `${path.basename(finding.Filename)}: ${finding.Rule.Id} ${where}`;
}

function lint(templates: string[]): Finding[] {
  const bin = cfnLint();
  // Exit codes are bit flags (2 errors, 4 warnings, 8 informational); the JSON tells us everything.
  const result = spawnSync(bin, ['--format', 'json', '--', ...templates], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error || (result.status ?? 1) & 1 || result.stdout.trim() === '') {
    throw new Error(`cfn-lint failed to run (status ${result.status}): ${result.error?.message ?? result.stderr}`);
  }
  return JSON.parse(result.stdout) as Finding[];
}

// ---------------------------------------------------------------------------------------------------------

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function fresh(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `cfn-lint-${prefix}-`));
  outdirs.push(dir);
  return dir;
}

/** Synthesizes a receiver built by `build` in a fresh app; returns the template's path (named after the case). */
function synthesized(name: string, build: (given: Given) => void): string {
  const outdir = fresh(name);
  const given = givenStack({ outdir });
  build(given);
  given.app.synth();
  return path.join(outdir, 'Test.template.json');
}

/** The example app as `npm run build` compiled it, synthesized into a fresh directory. */
function exampleApp(): string {
  const app = path.join(ROOT, 'bin', 'app.js');
  if (!existsSync(app)) throw new Error(`${app} is missing: run "npm run build" first.`);
  const outdir = fresh('example');
  const result = spawnSync(process.execPath, [app], { env: { ...process.env, CDK_OUTDIR: outdir }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`The example app failed to synthesize: ${result.stderr}`);
  return path.join(outdir, 'WebhookReceiverExample.template.json');
}

const secret = (given: Given, name: string) => secretsmanager.Secret.fromSecretNameV2(given.stack, `${name}Secret`, `webhooks/${name}`);

/** The configurations: what the other template tests build, one template each. */
const CASES: Record<string, (given: Given) => void> = {
  minimal: (g) => {
    new WebhookReceiver(g.stack, 'Receiver', { provider: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: g.processor });
  },
  'all-security-options': (g) => {
    new WebhookReceiver(g.stack, 'Receiver', {
      providers: [
        WebhookProvider.stripe({ secret: g.stripeSecret, allowedIpRanges: ['192.0.2.0/24'], throttlingRateLimit: 10 }),
        WebhookProvider.github({ secret: g.githubSecret }),
      ],
      processor: g.processor,
      encryptionKey: new kms.Key(g.stack, 'Key', { enableKeyRotation: true }),
      tracing: true,
      waf: { rateLimit: 1000, rateLimitWindow: Duration.minutes(1), blockIpReputationList: true },
      alarmActions: [new cloudwatchActions.SnsAction(new sns.Topic(g.stack, 'OnCall', { enforceSSL: true }))],
    });
  },
  'imported-processor-no-extras': (g) => {
    new WebhookReceiver(g.stack, 'Receiver', {
      provider: WebhookProvider.github({ secret: g.githubSecret }),
      processor: lambda.Function.fromFunctionAttributes(g.stack, 'Imported', {
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:processor',
        sameEnvironment: true,
        role: iam.Role.fromRoleArn(g.stack, 'ImportedRole', 'arn:aws:iam::123456789012:role/processor-role'),
      }),
      processorTimeout: Duration.seconds(30),
      apiGatewayCloudWatchRole: false,
      dashboard: false,
      alarms: { unhealthy: { enabled: false }, queueAge: { enabled: false } },
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(5),
      maxConcurrency: 5,
      verifierMemorySize: 128,
    });
  },
  'several-providers': (g) => {
    new WebhookReceiver(g.stack, 'Receiver', {
      providers: [
        WebhookProvider.slack({ secret: secret(g, 'slack'), throttlingRateLimit: 5, throttlingBurstLimit: 10 }),
        WebhookProvider.twilio({ secret: secret(g, 'twilio'), publicUrl: 'https://hooks.example.com/twilio' }),
        WebhookProvider.meta({ secret: secret(g, 'meta') }),
        WebhookProvider.zoom({ secret: secret(g, 'zoom') }),
        WebhookProvider.shopify({ secret: secret(g, 'shopify'), allowedIpRanges: ['198.51.100.0/24'] }),
      ],
      processor: g.processor,
    });
  },
  'http-api': (g) => {
    new WebhookReceiver(g.stack, 'Receiver', {
      apiType: ApiType.HTTP,
      providers: [
        WebhookProvider.stripe({ secret: g.stripeSecret, throttlingRateLimit: 5 }),
        WebhookProvider.twilio({ secret: secret(g, 'twilio') }),
        WebhookProvider.meta({ secret: secret(g, 'meta') }),
      ],
      processor: g.processor,
      encryptionKey: new kms.Key(g.stack, 'Key', { enableKeyRotation: true }),
      customDomain: { domainName: 'hooks.example.com', certificate: acm.Certificate.fromCertificateArn(g.stack, 'Certificate', 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555') },
    });
  },
  'http-own-url': (g) => {
    // A URL-signing provider on the HTTP API's own URL: the API id in the verifier's environment, no cycle.
    new WebhookReceiver(g.stack, 'Receiver', { apiType: ApiType.HTTP, provider: WebhookProvider.square({ secret: secret(g, 'square') }), processor: g.processor });
  },
};

describe('cfn-lint on every synthesized template', () => {
  let findings: Finding[];
  let templates: string[];
  beforeAll(() => {
    templates = [exampleApp(), ...Object.entries(CASES).map(([name, build]) => synthesized(name, build))];
    findings = lint(templates);
  }, 180_000);

  test('lints the example app and each configuration', () => {
    expect(templates.map((t) => path.basename(path.dirname(t)).replace(/-[^-]+$/, ''))).toEqual(
      ['cfn-lint-example', ...Object.keys(CASES).map((name) => `cfn-lint-${name}`)],
    );
    for (const template of templates) expect(existsSync(template)).toBe(true);
  });

  test('no template has an error', () => {
    expect(findings.filter((f) => f.Level === 'Error').map((f) => `${describe_(f)}: ${f.Message}`)).toEqual([]);
  });

  test('every warning or notice is of a justified rule', () => {
    const unjustified = findings.filter((f) => f.Level !== 'Error' && !(f.Rule.Id in JUSTIFIED));
    expect(unjustified.map((f) => `${describe_(f)}: ${f.Message}`)).toEqual([]);
  });

  test('the justified warnings are exactly these (a new one, or one gone, is a reviewed change)', () => {
    const byTemplate = (name: string) =>
      findings.filter((f) => f.Filename.includes(`cfn-lint-${name}-`)).map((f) => `${f.Rule.Id} ${f.Location.Path.slice(0, 2).join('/')}`).sort();
    // Every lambda.Function we or the tests create: its role is both a GetAtt and a DependsOn.
    expect(byTemplate('example')).toEqual([
      'W3005 Resources/Processor60228016',
      'W3005 Resources/WebhooksVerifier9883AA79',
    ]);
    // givenStack's processor is there in every case (unused by the imported-processor one).
    for (const name of Object.keys(CASES)) {
      expect([name, byTemplate(name)]).toEqual([name, ['W3005 Resources/Processor60228016', 'W3005 Resources/ReceiverVerifierD6387B32']]);
    }
  });
});

describe('URL-signing providers on their default URL (cfn-lint found a dependency cycle here, now fixed)', () => {
  // A URL-signing provider (twilio, square, hubspot) without publicUrl signs the API's own URL. Built from the
  // stage resource, it made a cycle (verifier -> stage -> deployment -> method -> verifier, E3004) that
  // CloudFormation refuses; the receiver now builds it from the API id and the stage name as text.
  for (const provider of ['twilio', 'square', 'hubspot'] as const) {
    test(`a receiver with ${provider} and no publicUrl has no error (no circular dependency)`, () => {
      // GIVEN
      const template = synthesized(`cycle-${provider}`, (g) => {
        new WebhookReceiver(g.stack, 'Receiver', { provider: WebhookProvider[provider]({ secret: secret(g, provider) }), processor: g.processor });
      });

      // WHEN
      const errors = lint([template]).filter((f) => f.Level === 'Error');

      // THEN
      expect(errors.map((f) => `${f.Rule.Id} ${f.Location.Path.slice(0, 2).join('/')}: ${f.Message}`)).toEqual([]);
    });
  }
});

describe('cfn-lint itself', () => {
  test('is the version requirements-ci.txt pins, and finds an error it is shown (the check is live)', () => {
    // GIVEN a template with a property CloudFormation does not know
    const dir = fresh('broken');
    const template = path.join(dir, 'broken.template.json');
    writeFileSync(template, JSON.stringify({
      Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { MaximumMessageSize: 2 * 1024 * 1024 } } },
    }));

    // WHEN
    const found = lint([template]);

    // THEN
    expect(found.filter((f) => f.Level === 'Error').map((f) => f.Rule.Id)).toEqual(['E3034']);
  });
});
