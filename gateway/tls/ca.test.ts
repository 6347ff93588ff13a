// The local CA signs only the platform domain and names under it: issuing for anything else is
// refused, and a CA made now carries a critical Name Constraints extension so that clients which
// honour it (OpenSSL, hence Node; browsers) reject a certificate for another name even if the CA
// key leaked and something signed one by hand. A CA made before this (no constraints) is kept.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { test } from 'node:test';
import forge from 'node-forge';
import { loadOrCreateLocalCa, type KeyPair } from './ca.js';

const DOMAIN = 'paas.local';
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'df-ca-test-'));

type Ext = {
  id?: string;
  critical?: boolean;
  permittedSubtrees?: { type: number; value: string }[];
  excludedSubtrees?: { type: number; value: string }[];
};

/** A leaf for `name` signed directly with the CA key, as someone holding a leaked key would. */
function forgeLeaf(ca: KeyPair, name: string): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 30 * 86400_000);
  cert.setSubject([{ name: 'commonName', value: name }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: name }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: privateKey };
}

/** Serves `leaf` on loopback and connects trusting only `caPem`: null when trusted, else the error. */
async function handshake(leaf: KeyPair, caPem: string, servername: string): Promise<(Error & { code?: string }) | null> {
  const server = tls.createServer({ cert: leaf.cert, key: leaf.key }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  try {
    return await new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername, ca: caPem }, () => {
        socket.destroy();
        resolve(null);
      });
      socket.once('error', (err) => resolve(err));
    });
  } finally {
    server.close();
  }
}

void test('a new CA carries a critical Name Constraints extension permitting only the platform domain', () => {
  const local = loadOrCreateLocalCa(tmp(), DOMAIN);
  const ext = forge.pki.certificateFromPem(local.ca.cert).getExtension('nameConstraints') as Ext | null;
  assert.ok(ext, 'nameConstraints present');
  assert.equal(ext.id, '2.5.29.30');
  assert.equal(ext.critical, true);
  assert.deepEqual(ext.permittedSubtrees, [{ type: 2, value: DOMAIN }]);
  // No IP address can be certified either (a DNS-only permit leaves other name types open).
  assert.deepEqual(
    ext.excludedSubtrees?.map((s) => [s.type, s.value.length]),
    [
      [7, 8],
      [7, 32],
    ],
  );
  assert.ok(new X509Certificate(local.ca.cert).ca);
});

void test('the platform certificate and names under the domain are still issued and trusted', async () => {
  const local = loadOrCreateLocalCa(tmp(), DOMAIN);
  assert.equal(await handshake(local.platform, local.ca.cert, `web.${DOMAIN}`), null, 'platform *.domain');
  assert.equal(await handshake(local.platform, local.ca.cert, DOMAIN), null, 'platform apex');
  const deep = await local.issue(`v2.web.${DOMAIN}`);
  assert.equal(new X509Certificate(deep.cert).checkHost(`v2.web.${DOMAIN}`), `v2.web.${DOMAIN}`);
  assert.equal(await handshake(deep, local.ca.cert, `v2.web.${DOMAIN}`), null, 'deeper name under the domain');
  assert.equal(new X509Certificate((await local.issue(DOMAIN.toUpperCase())).cert).checkHost(DOMAIN), DOMAIN);
});

void test('issuing for a name outside the platform domain is refused', async () => {
  const local = loadOrCreateLocalCa(tmp(), DOMAIN);
  for (const name of [
    'accounts.google.com',
    'github.com',
    `${DOMAIN}.evil.com`,
    `evil${DOMAIN}`,
    'local',
    `*.${DOMAIN}`,
    `.${DOMAIN}`,
    `a..${DOMAIN}`,
    '',
  ]) {
    await assert.rejects(local.issue(name), { name: 'DeployFlowError', code: 'DF_ERR_INVALID_DOMAIN' }, name);
  }
});

void test('a leaf for another name signed with the CA key is rejected by clients that honour the constraints', async () => {
  const local = loadOrCreateLocalCa(tmp(), DOMAIN);
  const forged = forgeLeaf(local.ca, 'github.com');
  const err = await handshake(forged, local.ca.cert, 'github.com');
  assert.ok(err, 'not trusted');
  assert.match(`${err.code} ${err.message}`, /subtree/i);
  // A hand-signed leaf for a name under the domain is accepted: the constraint rejects, not the signing.
  assert.equal(await handshake(forgeLeaf(local.ca, `web.${DOMAIN}`), local.ca.cert, `web.${DOMAIN}`), null);
});

void test('a CA made before name constraints is kept, and still refuses to issue for other names', async () => {
  const dir = tmp();
  const fresh = loadOrCreateLocalCa(dir, DOMAIN);
  // Replace it by an old-style CA (no nameConstraints), as an installation made earlier has on disk.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const old = forge.pki.createCertificate();
  old.publicKey = forge.pki.publicKeyFromPem(publicKey);
  old.serialNumber = '01' + randomBytes(15).toString('hex');
  old.validity.notBefore = new Date(Date.now() - 3600_000);
  old.validity.notAfter = new Date(Date.now() + 365 * 86400_000);
  const subject = [{ name: 'commonName', value: `DeployFlow local CA (${DOMAIN})` }];
  old.setSubject(subject);
  old.setIssuer(subject);
  old.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, critical: true },
  ]);
  old.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  const oldPem = forge.pki.certificateToPem(old);
  fs.writeFileSync(path.join(dir, 'ca.crt'), oldPem);
  fs.writeFileSync(path.join(dir, 'ca.key'), privateKey, { mode: 0o600 });
  fs.rmSync(path.join(dir, 'platform.crt'));
  assert.notEqual(oldPem, fresh.ca.cert);

  const again = loadOrCreateLocalCa(dir, DOMAIN);
  assert.equal(again.ca.cert, oldPem, 'the CA users already trust is kept');
  assert.equal(fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'), oldPem);
  assert.equal(await handshake(again.platform, oldPem, `web.${DOMAIN}`), null);
  await assert.rejects(again.issue('accounts.google.com'), { code: 'DF_ERR_INVALID_DOMAIN' });
});
