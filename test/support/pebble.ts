// Pebble, Let's Encrypt's RFC 8555 test CA (Debian package `pebble`), on loopback for a test
// file: its HTTPS listener gets a throwaway certificate whose root the test trusts, challenges
// are validated against `httpPort` on whatever `dnsServer` answers (our own resolver), and the
// random sleeps and nonce rejections meant to harden clients are off so tests stay quick.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateLocalCa } from '../../gateway/tls/ca.js';
import { freePort } from './ports.js';

export interface TestPebble {
  directoryUrl: string;
  /** The root to trust for Pebble's own HTTPS (not the root it issues under). */
  caFile: string;
  stop(): Promise<void>;
}

export async function startPebble(opts: { httpPort: number; dnsServer: string }): Promise<TestPebble> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-pebble-'));
  // Its listener's certificate: a throwaway DeployFlow local CA made for `localhost` writes
  // ca.crt (trusted by the test) and platform.crt/.key (served by Pebble) into `dir`.
  loadOrCreateLocalCa(dir, 'localhost');
  const port = await freePort();
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${await freePort()}`,
        certificate: path.join(dir, 'platform.crt'),
        privateKey: path.join(dir, 'platform.key'),
        httpPort: opts.httpPort,
        tlsPort: await freePort(),
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const child: ChildProcess = spawn('pebble', ['-config', path.join(dir, 'config.json'), '-dnsserver', opts.dnsServer], {
    env: { PATH: process.env.PATH ?? '', PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 10_000;
  while (!out.includes('Listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`pebble did not start: ${out.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    directoryUrl: `https://localhost:${port}/dir`,
    caFile: path.join(dir, 'ca.crt'),
    stop: async () => {
      if (child.exitCode === null)
        await new Promise((r) => {
          child.once('exit', r);
          child.kill('SIGTERM');
        });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
