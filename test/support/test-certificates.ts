/**
 * Test certificates made with the `openssl` command line at test time (node:crypto cannot issue certificates):
 * keys from node:crypto, certificates issued by `openssl ca` so that validity dates and extensions (Apple's marker
 * OIDs) can be set. Nothing here is used by the code under test; it only makes what a provider would present.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface TestCertificate {
  /** The certificate, PEM. */
  readonly pem: string;
  /** The certificate, DER. */
  readonly der: Buffer;
  readonly privateKey: KeyObject;
  readonly x509: X509Certificate;
}

export interface IssueOptions {
  readonly commonName: string;
  /** `rsa` (2048) or `ec` (P-256). @default 'ec' */
  readonly keyType?: 'rsa' | 'ec';
  /** The issuer; absent: self-signed. */
  readonly issuer?: TestCertificate;
  /** Whether it is a CA. @default false */
  readonly ca?: boolean;
  /** Extension OIDs to add (each with an ASN.1 NULL value, as Apple's marker extensions). */
  readonly oids?: string[];
  /** @default one day ago */
  readonly notBefore?: Date;
  /** @default thirty days from now */
  readonly notAfter?: Date;
}

const dir = mkdtempSync(path.join(tmpdir(), 'test-certificates-'));
let serial = 1;

const opensslDate = (date: Date) => `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

/** Issues one certificate with `openssl ca` (self-signed when no issuer is given). */
export function issueCertificate(options: IssueOptions): TestCertificate {
  const n = serial++;
  const { privateKey } = options.keyType === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const file = (name: string) => path.join(dir, `${n}-${name}`);
  writeFileSync(file('key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(file('index.txt'), '');
  writeFileSync(file('serial'), `${n.toString(16).padStart(2, '0').padStart(4, '0')}\n`);
  writeFileSync(file('ca.cnf'), [
    '[ca]', 'default_ca = CA_default',
    '[CA_default]', `database = ${file('index.txt')}`, `new_certs_dir = ${dir}`, `serial = ${file('serial')}`,
    'default_md = sha256', 'policy = policy_any', 'email_in_dn = no', 'unique_subject = no', 'copy_extensions = none',
    '[policy_any]', 'commonName = supplied',
    '[req]', 'distinguished_name = dn', '[dn]',
  ].join('\n'));
  const extensions = options.ca
    ? ['basicConstraints = critical, CA:true', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash']
    : ['basicConstraints = critical, CA:false', 'keyUsage = critical, digitalSignature'];
  for (const oid of options.oids ?? []) extensions.push(`${oid} = ASN1:NULL`);
  writeFileSync(file('ext.cnf'), ['[v3]', ...extensions].join('\n'));
  execFileSync('openssl', ['req', '-new', '-key', file('key.pem'), '-subj', `/CN=${options.commonName}`, '-config', file('ca.cnf'), '-out', file('csr.pem')], { stdio: 'pipe' });
  const notBefore = options.notBefore ?? new Date(Date.now() - 24 * 3600_000);
  const notAfter = options.notAfter ?? new Date(Date.now() + 30 * 24 * 3600_000);
  const issuerArgs = options.issuer
    ? ['-cert', path.join(dir, `${issuerFile(options.issuer)}`), '-keyfile', path.join(dir, `${issuerFile(options.issuer)}.key`)]
    : ['-selfsign', '-keyfile', file('key.pem')];
  execFileSync('openssl', [
    'ca', '-batch', '-notext', '-config', file('ca.cnf'), ...issuerArgs, '-in', file('csr.pem'), '-out', file('cert.pem'),
    '-startdate', opensslDate(notBefore), '-enddate', opensslDate(notAfter), '-extfile', file('ext.cnf'), '-extensions', 'v3',
  ], { stdio: 'pipe' });
  const pem = readFileSync(file('cert.pem'), 'utf8');
  const certificate: TestCertificate = { pem, der: new X509Certificate(pem).raw, privateKey, x509: new X509Certificate(pem) };
  // Kept for issuing with it: the certificate and its key under a name derived from the serial.
  writeFileSync(path.join(dir, `issuer-${n}`), pem);
  writeFileSync(path.join(dir, `issuer-${n}.key`), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  issuers.set(certificate, `issuer-${n}`);
  return certificate;
}

const issuers = new Map<TestCertificate, string>();
function issuerFile(certificate: TestCertificate): string {
  const name = issuers.get(certificate);
  if (!name) throw new Error('Not a certificate issued by issueCertificate().');
  return name;
}

/** A chain as App Store Server Notifications use it: root, intermediate and leaf with Apple's marker OIDs. */
export function appleLikeChain(options: { root?: TestCertificate; leafOids?: string[]; intermediateOids?: string[]; leafNotAfter?: Date } = {}): { root: TestCertificate; intermediate: TestCertificate; leaf: TestCertificate } {
  const root = options.root ?? issueCertificate({ commonName: 'Test Root CA - G3', ca: true, notAfter: new Date(Date.now() + 3650 * 24 * 3600_000) });
  const intermediate = issueCertificate({
    commonName: 'Test Worldwide Developer Relations CA - G6',
    ca: true,
    issuer: root,
    oids: options.intermediateOids ?? ['1.2.840.113635.100.6.2.1'],
    notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
  });
  const leaf = issueCertificate({
    commonName: 'Test Prod ECC Mac App Store and iTunes Store Receipt Signing',
    issuer: intermediate,
    oids: options.leafOids ?? ['1.2.840.113635.100.6.11.1'],
    notAfter: options.leafNotAfter,
  });
  return { root, intermediate, leaf };
}
