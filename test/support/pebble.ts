// Pebble, Let's Encrypt's RFC 8555 test CA (Debian package `pebble`), on loopback for a test
// file: its HTTPS listener gets a throwaway certificate whose root the test trusts, challenges
// are validated against `httpPort` on whatever `dnsServer` answers (our own resolver), and the
// random sleeps and nonce rejections meant to harden clients are off so tests stay quick.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { freePort } from './ports.js';

export interface TestPebble {
  directoryUrl: string;
  /** The root to trust for Pebble's own HTTPS (not the root it issues under). */
  caFile: string;
  stop(): Promise<void>;
}

function selfSignedForLoopback(): { cert: string; key: string } {
  // node:crypto makes the key (fast, native); node-forge only builds and signs the certificate.
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const privateKey = forge.pki.privateKeyFromPem(pair.privateKey);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pair.publicKey);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const attrs = [{ name: 'commonName', value: 'pebble test listener' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: pair.privateKey };
}

export async function startPebble(opts: { httpPort: number; dnsServer: string }): Promise<TestPebble> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-pebble-'));
  const { cert, key } = selfSignedForLoopback();
  fs.writeFileSync(path.join(dir, 'cert.pem'), cert);
  fs.writeFileSync(path.join(dir, 'key.pem'), key);
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${port}`, managementListenAddress: `127.0.0.1:${await freePort()}`,
      certificate: path.join(dir, 'cert.pem'), privateKey: path.join(dir, 'key.pem'),
      httpPort: opts.httpPort, tlsPort: await freePort(), ocspResponderURL: '', externalAccountBindingRequired: false,
    },
  }));
  const child: ChildProcess = spawn('pebble', ['-config', path.join(dir, 'config.json'), '-dnsserver', opts.dnsServer], {
    env: { PATH: process.env.PATH ?? '', PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const deadline = Date.now() + 10_000;
  while (!out.includes('Listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`pebble did not start: ${out.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    directoryUrl: `https://127.0.0.1:${port}/dir`,
    caFile: path.join(dir, 'cert.pem'),
    stop: async () => {
      if (child.exitCode === null) await new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
