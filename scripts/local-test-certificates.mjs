// Run ONCE to make testing/local-certificates.ts: the published local test certificates and keys that stand in for
// PayPal's signing certificate, Apple's App Store chain and Plaid's webhook key (see testing/keys.ts). Committed as
// constants so that every machine signs and trusts the same material; run again only to replace them (before 2046).
// Needs the openssl command line (node:crypto cannot issue certificates). Usage: node scripts/local-test-certificates.mjs
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const dir = mkdtempSync(path.join(tmpdir(), 'local-test-certificates-'));
const NOT_BEFORE = '20260101000000Z';
const NOT_AFTER = '20461231235959Z';
let serial = 1;

function issue({ subject, keyType = 'ec', issuer, ca = false, oids = [] }) {
  const n = serial++;
  const { privateKey } = keyType === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const file = (name) => path.join(dir, `${n}-${name}`);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  writeFileSync(file('key.pem'), keyPem);
  writeFileSync(file('index.txt'), '');
  writeFileSync(file('serial'), `${(0x1000 + n).toString(16)}\n`);
  writeFileSync(file('ca.cnf'), ['[ca]', 'default_ca = CA_default', '[CA_default]', `database = ${file('index.txt')}`, `new_certs_dir = ${dir}`, `serial = ${file('serial')}`,
    'default_md = sha256', 'policy = policy_any', 'email_in_dn = no', 'unique_subject = no', 'copy_extensions = none', 'preserve = yes',
    '[policy_any]', 'commonName = supplied', 'organizationName = optional', 'organizationalUnitName = optional', 'countryName = optional', '[req]', 'distinguished_name = dn', '[dn]'].join('\n'));
  const ext = ca ? ['basicConstraints = critical, CA:true', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash'] : ['basicConstraints = critical, CA:false', 'keyUsage = critical, digitalSignature'];
  for (const oid of oids) ext.push(`${oid} = ASN1:NULL`);
  writeFileSync(file('ext.cnf'), ['[v3]', ...ext].join('\n'));
  execFileSync('openssl', ['req', '-new', '-key', file('key.pem'), '-subj', subject, '-config', file('ca.cnf'), '-out', file('csr.pem')], { stdio: 'pipe' });
  const issuerArgs = issuer ? ['-cert', issuer.certFile, '-keyfile', issuer.keyFile] : ['-selfsign', '-keyfile', file('key.pem')];
  execFileSync('openssl', ['ca', '-batch', '-notext', '-config', file('ca.cnf'), ...issuerArgs, '-in', file('csr.pem'), '-out', file('cert.pem'),
    '-startdate', NOT_BEFORE, '-enddate', NOT_AFTER, '-extfile', file('ext.cnf'), '-extensions', 'v3'], { stdio: 'pipe' });
  const pem = readFileSync(file('cert.pem'), 'utf8');
  new X509Certificate(pem);
  return { pem, keyPem, certFile: file('cert.pem'), keyFile: file('key.pem') };
}

const O = '/O=cdk-webhook-receiver local test (public, insecure)';
const paypalCa = issue({ subject: `/CN=cdk-webhook-receiver local test PayPal CA${O}`, keyType: 'rsa', ca: true });
const paypal = issue({ subject: `/CN=messageverificationcerts.paypal.com${O}`, keyType: 'rsa', issuer: paypalCa });
const appleRoot = issue({ subject: `/CN=cdk-webhook-receiver local test Apple Root CA${O}`, ca: true });
const appleIntermediate = issue({ subject: `/CN=cdk-webhook-receiver local test Apple WWDR CA${O}`, ca: true, issuer: appleRoot, oids: ['1.2.840.113635.100.6.2.1'] });
const appleLeaf = issue({ subject: `/CN=cdk-webhook-receiver local test App Store signing${O}`, issuer: appleIntermediate, oids: ['1.2.840.113635.100.6.11.1'] });
const plaid = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
rmSync(dir, { recursive: true, force: true });

const q = (text) => JSON.stringify(text);
writeFileSync('testing/local-certificates.ts', `/**
 * GENERATED ONCE by scripts/local-test-certificates.mjs (openssl), valid 2026-01-01 to 2046-12-31. PUBLIC, INSECURE
 * test material: every private key below is published here, so anyone can sign with it. Only the local dev server
 * and the test kit's receiver trust it, through the verifier's test-only overrides, which are refused inside AWS
 * Lambda. Never configure a deployed receiver to trust any of it. Read through testing/keys.ts.
 */

/** PayPal stand-in: the signing certificate (CN messageverificationcerts.paypal.com, RSA 2048) then its test CA. */
export const PAYPAL_CERTIFICATE_CHAIN_PEM = ${q(paypal.pem + paypalCa.pem)};
/** The PayPal stand-in certificate's private key (PKCS #8). */
export const PAYPAL_PRIVATE_KEY_PEM = ${q(paypal.keyPem)};
/** App Store stand-in: the test root (P-256, self-signed). */
export const APPLE_ROOT_PEM = ${q(appleRoot.pem)};
/** App Store stand-in: the intermediate, with Apple's marker extension 1.2.840.113635.100.6.2.1. */
export const APPLE_INTERMEDIATE_PEM = ${q(appleIntermediate.pem)};
/** App Store stand-in: the signing leaf, with Apple's marker extension 1.2.840.113635.100.6.11.1. */
export const APPLE_LEAF_PEM = ${q(appleLeaf.pem)};
/** The leaf's private key (P-256, PKCS #8). */
export const APPLE_LEAF_PRIVATE_KEY_PEM = ${q(appleLeaf.keyPem)};
/** Plaid stand-in: the webhook verification key (P-256, PKCS #8). */
export const PLAID_PRIVATE_KEY_PEM = ${q(plaid)};
/** The kid Plaid-Verification tokens name for it. */
export const PLAID_KEY_ID = 'cdk-webhook-receiver-local-test-key';
`);
console.log('wrote testing/local-certificates.ts');
