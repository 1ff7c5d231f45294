// Renders the README's reference tables from the jsii assembly (.jsii), so every prop and its @default in the
// README is the one in the code. `node scripts/props-table.mjs` prints them; `--write` updates README.md between
// the <!-- props:start --> and <!-- props:end --> markers. test/docs.test.ts fails when the README is stale.
import { readFileSync, writeFileSync } from 'node:fs';

const assembly = JSON.parse(readFileSync(new URL('../.jsii', import.meta.url), 'utf8'));
const TYPES = [
  'WebhookReceiverProps',
  'WebhookProcessorFunctionProps',
  'WafOptions',
  'ArchiveOptions',
  'WebhookReceiverLogging',
  'CustomDomainOptions',
  'WebhookReceiverMonitoringProps',
  'ReceiverAlarmOptions',
  'AlarmOptions',
  'RateAlarmOptions',
  'CountAlarmOptions',
  'QueueAgeAlarmOptions',
  'CompositeAlarmOptions',
  'ProviderBaseOptions',
  'ProviderOptions',
  'TimestampedProviderOptions',
  'StripeProviderOptions',
  'GitHubProviderOptions',
  'ReconciliationOptions',
  'GitHubReconciliationOptions',
  'UrlSigningProviderOptions',
  'GenericProviderOptions',
  'HmacProviderOptions',
  'PublicKeyProviderOptions',
  'SharedTokenProviderOptions',
  'CertificateProviderOptions',
  'PayPalProviderOptions',
  'AppStoreProviderOptions',
  'CertificateUrlProviderOptions',
  'X5cJwsProviderOptions',
  'JwksProviderOptions',
  'KeyValueFormatOptions',
  'ListFormatOptions',
  'OrderingOptions',
];

const cell = (text) => (text ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
const typeName = (ref) => {
  if (ref.primitive) return ref.primitive;
  if (ref.fqn) return ref.fqn.replace(/^cdk-webhook-receiver\./, '').replace(/^aws-cdk-lib\.(aws_)?/, '').replace(/_/g, '-');
  if (ref.collection) {
    const element = typeName(ref.collection.elementtype);
    return ref.collection.kind === 'map' ? `{ [key: string]: ${element} }` : `${element}[]`;
  }
  return 'unknown';
};

export function renderTables() {
  const out = [];
  for (const name of TYPES) {
    const type = assembly.types[`cdk-webhook-receiver.${name}`];
    if (!type) throw new Error(`${name} is not in the assembly`);
    const inherits = (type.interfaces ?? []).map((i) => i.replace('cdk-webhook-receiver.', ''));
    out.push(`#### ${name}${inherits.length ? ` (also takes ${inherits.join(', ')})` : ''}`, '');
    out.push('| prop | type | default | what it does |', '|---|---|---|---|');
    for (const prop of type.properties ?? []) {
      const docs = prop.docs ?? {};
      const fallback = prop.optional ? '' : '*required*';
      const text = [docs.summary, docs.remarks].filter(Boolean).join(' ');
      out.push(`| \`${prop.name}\` | \`${typeName(prop.type)}\` | ${cell(docs.default) || fallback} | ${cell(text)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const tables = renderTables();
  if (process.argv.includes('--write')) {
    const readme = readFileSync('README.md', 'utf8');
    const next = readme.replace(/(<!-- props:start -->\n)[\s\S]*?(<!-- props:end -->)/, `$1${tables}$2`);
    writeFileSync('README.md', next);
  } else {
    process.stdout.write(tables);
  }
}
