// Custom domains from the real `bin/deployflow` client, spawned as a user runs it, against a real
// control that checks domain ownership through a DNS server of the test's own on loopback (standing
// in for the domain's DNS): `domains:add` prints the TXT record to create and how to verify,
// `domains` lists the pending domain, `domains:verify` refuses until the record is there and then
// routes the domain, and `domains:remove` withdraws a pending domain.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTxtDns, type TxtDns } from './support/txt-dns.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';

const BIN = path.join(import.meta.dirname, '..', 'bin', 'deployflow');
const APP = 'shop';
const DOMAIN = 'www.shop.example';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
interface Pending {
  domain: string;
  record: { type: string; name: string; value: string };
}

describe('deployflow domains with ownership verification', () => {
  let dns: TxtDns;
  let control: TestControl;
  let dev: Awaited<ReturnType<typeof registerUser>>;
  let home: string;
  let token = '';

  function cli(args: string[]): Promise<Run> {
    return new Promise((resolve, reject) => {
      const env = { PATH: process.env.PATH, HOME: home, DEPLOYFLOW_URL: control.url, DEPLOYFLOW_TOKEN: token, DEPLOYFLOW_APP: APP };
      const child = spawn(process.execPath, [BIN, ...args], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  const pending = async (): Promise<Pending[]> => (await dev.get(`/api/v1/apps/${APP}/domains/pending`)).body as Pending[];

  before(async () => {
    dns = await startTxtDns();
    control = await startTestControl({
      DEPLOYFLOW_DOMAIN: 'paas.test',
      DEPLOYFLOW_DOMAIN_VERIFICATION: 'on',
      DEPLOYFLOW_DOMAIN_RESOLVER: dns.resolver,
    });
    await registerUser(control.url); // the first account is the admin, who skips the check
    dev = await registerUser(control.url);
    assert.equal((await dev.post('/api/v1/apps', { name: APP })).status, 201);
    token = (await dev.post('/api/v1/tokens', { name: 'cli' })).body.token as string;
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployflow-cli-domains-'));
  });
  after(async () => {
    await control?.stop();
    await dns?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('domains:add prints the TXT record to create and the command that verifies it', async () => {
    const r = await cli(['domains:add', DOMAIN]);
    assert.equal(r.code, 0, r.stderr);
    const [claim] = await pending();
    assert.equal(claim?.domain, DOMAIN);
    assert.equal(claim.record.name, `_deployflow-challenge.${DOMAIN}`);
    assert.match(r.stdout, new RegExp(`${DOMAIN} is pending`));
    assert.match(r.stdout, new RegExp(`TXT ${claim.record.name.replaceAll('.', '\\.')}\\n`));
    assert.match(r.stdout, new RegExp(`value: ${claim.record.value}\\n`));
    assert.match(r.stdout, new RegExp(`deployflow domains:verify ${DOMAIN}`));
    const listed = await cli(['domains']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${DOMAIN}\\s+pending: TXT ${claim.record.name}`));
    const again = JSON.parse((await cli(['domains:add', DOMAIN, '--json'])).stdout) as Pending;
    assert.deepEqual(again.record, claim.record, 'adding again keeps the same record');
  });

  it('domains:verify refuses until the record is there, then routes the domain', async () => {
    const early = await cli(['domains:verify', DOMAIN]);
    assert.equal(early.code, 1);
    assert.match(early.stderr.trim(), /^deployflow: DF_ERR_DOMAIN_UNVERIFIED: .*TXT record/m);
    assert.deepEqual((await dev.get(`/api/v1/apps/${APP}`)).body.domains, []);

    const [claim] = await pending();
    dns.records.set(claim!.record.name, claim!.record.value);
    const r = await cli(['domains:verify', DOMAIN]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${DOMAIN} is verified and routed to ${APP}`));
    assert.deepEqual((await dev.get(`/api/v1/apps/${APP}`)).body.domains, [DOMAIN]);
    assert.deepEqual(await pending(), []);
    assert.match((await cli(['domains'])).stdout, new RegExp(`${DOMAIN}\\s+routed`));
  });

  it('domains:remove withdraws a pending domain', async () => {
    const other = 'api.shop.example';
    assert.equal((await cli(['domains:add', other])).code, 0);
    assert.deepEqual(
      (await pending()).map((p) => p.domain),
      [other],
    );
    const r = await cli(['domains:remove', other]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await pending(), []);
    assert.deepEqual((await dev.get(`/api/v1/apps/${APP}`)).body.domains, [DOMAIN], 'the verified domain stays');
  });
});
