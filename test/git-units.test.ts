// The pure parts of the git service: request and command parsing, ref planning, repo paths —
// plus a forged-signature SSH login that only a real check refuses.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { deployRefs, planPush, ZERO_SHA } from '../git/push/refs.js';
import { basicPassword, parseGitRequest, pktLine } from '../git/http/request.js';
import { parseSshCommand } from '../git/ssh/command.js';
import { parseGitVersion, supportsProcReceive } from '../git/commands/git-version.js';
import { parsePublicKey, matchesPublicKey } from '../git/ssh/keys.js';
import { repoPath } from '../git/index.js';
import { startTestGit } from './git-fixtures.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('git pure parts', () => {
  it('parses only exact SSH git commands', () => {
    assert.deepEqual(parseSshCommand("git-receive-pack '/myapp.git'"), { service: 'receive-pack', app: 'myapp' });
    assert.deepEqual(parseSshCommand("git-upload-pack 'myapp.git'"), { service: 'upload-pack', app: 'myapp' });
    assert.deepEqual(parseSshCommand('git-upload-pack myapp'), { service: 'upload-pack', app: 'myapp' });
    for (const bad of [
      'ls',
      "git-receive-pack '../../etc'",
      "git-upload-pack 'x.git'; rm -rf /",
      "git-receive-pack '/a/b.git'",
      "git-receive-pack 'myapp.git",
      "git-receive-pack  'myapp.git'",
      "git upload-pack 'myapp.git'",
      "git-upload-pack 'admin.git'",
      "git-upload-pack '-u.git'",
      "git-upload-pack 'myapp.git'\n",
      'git-upload-pack --help',
      "git-upload-pack 'MYAPP.git'",
    ]) {
      assert.equal(parseSshCommand(bad), null, bad);
    }
  });

  it('parses smart-HTTP requests and Basic credentials', () => {
    assert.deepEqual(parseGitRequest('GET', '/myapp.git/info/refs?service=git-receive-pack'), {
      app: 'myapp',
      service: 'receive-pack',
      advertise: true,
    });
    assert.deepEqual(parseGitRequest('POST', '/myapp.git/git-upload-pack'), { app: 'myapp', service: 'upload-pack', advertise: false });
    assert.equal(parseGitRequest('POST', '/myapp.git/info/refs?service=git-upload-pack'), null);
    assert.equal(parseGitRequest('GET', '/myapp.git/git-upload-pack'), null);
    assert.equal(basicPassword('Basic ' + Buffer.from('x:tok:with:colons').toString('base64')), 'tok:with:colons');
    assert.equal(basicPassword('Basic ' + Buffer.from('x:').toString('base64')), null);
    assert.equal(basicPassword('Bearer abc'), null);
    assert.equal(pktLine('# service=git-upload-pack\n'), '001e# service=git-upload-pack\n');
  });

  it('plans pushes: main/master deploy, other refs are noted, deletions and bad lines refuse', () => {
    const plan = planPush(`${ZERO_SHA} ${A} refs/heads/main\n${A} ${B} refs/heads/feature\n`);
    assert.deepEqual(
      plan.deploy.map((u) => u.ref),
      ['refs/heads/main'],
    );
    assert.deepEqual(
      plan.stored.map((u) => u.ref),
      ['refs/heads/feature'],
    );
    assert.equal(plan.notes.length, 1);
    assert.throws(() => planPush(`${A} ${ZERO_SHA} refs/heads/main\n`), { code: 'DF_ERR_GIT_REF_DELETE' });
    assert.throws(() => planPush(`${A} ${B} refs/heads/../x\n`), { code: 'DF_ERR_INVALID_REF' });
    assert.throws(() => planPush(`${A} zz refs/heads/main\n`), { code: 'DF_ERR_INVALID_REF' });
    // Too many updates are refused as such, not as "no valid ref updates".
    const many = Array.from({ length: 1001 }, (_, i) => `${ZERO_SHA} ${A} refs/tags/t${i}`).join('\n');
    assert.throws(() => planPush(many), { code: 'DF_ERR_INVALID_REF', message: /at most 1000 refs; this one updates 1001/ });
    assert.throws(() => planPush('\n'), { message: /no valid ref updates/ });
    assert.throws(() => planPush(`${A} ${B} main\n`), { code: 'DF_ERR_INVALID_REF' });
    assert.throws(() => planPush(''), { code: 'DF_ERR_INVALID_REF' });
  });

  it('plans pushes for a per-app deploy branch: only that branch deploys, main keeps master', () => {
    const lines = `${ZERO_SHA} ${A} refs/heads/main\n${A} ${B} refs/heads/master\n${A} ${B} refs/heads/release/v2\n`;
    const release = planPush(lines, 'release/v2');
    assert.deepEqual(
      release.deploy.map((u) => u.ref),
      ['refs/heads/release/v2'],
    );
    assert.deepEqual(release.notes, [
      'refs/heads/main stored; only pushes to release/v2 deploy.',
      'refs/heads/master stored; only pushes to release/v2 deploy.',
    ]);
    assert.deepEqual(
      planPush(lines, 'main').deploy.map((u) => u.ref),
      ['refs/heads/main', 'refs/heads/master'],
    );
    assert.deepEqual(
      planPush(lines, 'refs/heads/release/v2').deploy.map((u) => u.ref),
      ['refs/heads/release/v2'],
    );
    // A tag of the same name is not the branch.
    assert.deepEqual(planPush(`${ZERO_SHA} ${A} refs/tags/release/v2\n`, 'release/v2').deploy, []);
    assert.deepEqual([...deployRefs('master')], ['refs/heads/master']);
    for (const bad of ['-x', 'a..b', 'refs/heads/', '']) assert.throws(() => planPush(lines, bad), { code: 'DF_ERR_INVALID_REF' }, bad);
  });

  it('needs a git with the proc-receive hook (2.29 or later)', () => {
    assert.deepEqual(parseGitVersion('git version 2.39.5\n'), [2, 39]);
    assert.deepEqual(parseGitVersion('git version 2.29.0.windows.1'), [2, 29]);
    assert.equal(parseGitVersion('not git'), null);
    assert.deepEqual(
      ['2.28', '2.29', '2.39', '3.0', '1.99'].map((v) => supportsProcReceive(parseGitVersion(`git version ${v}`)!)),
      [false, true, true, true, false],
    );
  });

  it('builds repo paths only from valid app names, inside the repos dir', () => {
    const config = { dataDir: '/srv/df' };
    assert.equal(repoPath(config, 'myapp'), '/srv/df/repos/myapp.git');
    for (const bad of ['../etc', 'a/b', '..', 'My-App', 'api', '', 'x'.repeat(70)]) assert.throws(() => repoPath(config, bad), bad);
  });

  it('matches registered OpenSSH keys against the presented blob', () => {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    const other = ssh2.utils.generateKeyPairSync('ed25519');
    const blob = parsePublicKey(pair.public)!;
    assert.equal(matchesPublicKey(pair.public, blob.type, blob.data), true);
    assert.equal(matchesPublicKey(other.public, blob.type, blob.data), false);
    assert.equal(parsePublicKey(pair.private), null);
    assert.equal(parsePublicKey('ssh-ed25519 garbage'), null);
  });
});

function sshLogin(port: number, key: ssh2.ParsedKey): Promise<'ok' | 'refused'> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    const method: ssh2.PublicKeyAuthMethod = { type: 'publickey', username: 'git', key };
    client.on('ready', () => {
      client.end();
      resolve('ok');
    });
    client.on('error', (err: Error & { level?: string }) => {
      if (err.level === 'client-authentication') resolve('refused');
      else reject(err);
    });
    client.connect({ host: '127.0.0.1', port, username: 'git', authHandler: [method] });
  });
}

describe('git SSH signature check', () => {
  it('refuses a client that presents a registered public key but signs with another key', async () => {
    const g = await startTestGit();
    try {
      const alice = ssh2.utils.generateKeyPairSync('ed25519');
      const mallory = ssh2.utils.generateKeyPairSync('ed25519');
      g.keys.set('alice', [alice.public]);
      const real = ssh2.utils.parseKey(alice.private) as ssh2.ParsedKey;
      assert.equal(await sshLogin(g.service.sshPort, real), 'ok');
      const forged = ssh2.utils.parseKey(mallory.private) as ssh2.ParsedKey;
      const alicePublic = real.getPublicSSH();
      forged.getPublicSSH = () => alicePublic;
      assert.equal(await sshLogin(g.service.sshPort, forged), 'refused');
    } finally {
      await g.cleanup();
    }
  });

  it('keeps the host key across restarts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-hostkey-'));
    try {
      const { loadOrCreateHostKey } = await import('../git/ssh/host-key.js');
      const file = path.join(dir, 'git', 'ssh_host_ed25519_key');
      const first = loadOrCreateHostKey(file);
      assert.deepEqual(loadOrCreateHostKey(file), first);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('only ever keeps a host key the SSH server can parse', async () => {
    // ssh2 makes an unparseable ed25519 key about once in 500: 1500 fresh keys all parse.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-hostkeys-'));
    try {
      const { loadOrCreateHostKey } = await import('../git/ssh/host-key.js');
      for (let i = 0; i < 1500; i++) {
        const key = loadOrCreateHostKey(path.join(dir, `key-${i}`));
        assert.ok(!(ssh2.utils.parseKey(key) instanceof Error), `key ${i} does not parse`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
