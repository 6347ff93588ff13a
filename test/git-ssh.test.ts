// Pushes and fetches over SSH with a real OpenSSH client and freshly generated ed25519 keys.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultHostKeyPath, repoPath } from '../git/index.js';
import { remoteLines, run, startTestGit, type TestGit } from './git-fixtures.js';

async function keygen(file: string): Promise<string> {
  const r = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', file]);
  assert.equal(r.code, 0, r.stderr);
  return fs.readFileSync(`${file}.pub`, 'utf8');
}

describe('git over SSH', () => {
  let g: TestGit;
  let aliceKey: string;
  let strangerKey: string;
  const sshArgs = (key: string): string[] => [
    '-F',
    '/dev/null',
    '-i',
    key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-p',
    String(g.service.sshPort),
  ];
  const sshEnv = (key: string): Record<string, string> => ({ GIT_SSH_COMMAND: ['ssh', ...sshArgs(key)].join(' ') });
  const sshUrl = (app: string): string => `ssh://git@127.0.0.1:${g.service.sshPort}/${app}.git`;

  before(async () => {
    g = await startTestGit();
    fs.mkdirSync(path.join(g.root, 'keys'), { mode: 0o700 });
    aliceKey = path.join(g.root, 'keys', 'alice');
    strangerKey = path.join(g.root, 'keys', 'stranger');
    g.keys.set('alice', [await keygen(aliceKey)]);
    await keygen(strangerKey);
    g.grants.push({ user: 'alice', app: 'sshapp', mode: 'write' });
  });
  after(async () => {
    await g.cleanup();
  });

  it('keeps a generated ed25519 host key with mode 0600', () => {
    const stat = fs.statSync(defaultHostKeyPath(g.config.dataDir));
    assert.equal(stat.mode & 0o777, 0o600);
    assert.match(fs.readFileSync(defaultHostKeyPath(g.config.dataDir), 'utf8'), /BEGIN OPENSSH PRIVATE KEY/);
  });

  it('pushes with a registered key and streams the deploy as remote: lines', async () => {
    const { dir, head } = await g.workRepo('ssh-push');
    g.handler = async (event, out) => {
      out(`-----> Building ${event.app} at ${event.newCommit.slice(0, 7)}`);
      const ls = await run('git', ['--git-dir', event.repoPath, 'ls-tree', '--name-only', event.newCommit]);
      out(`files: ${ls.stdout.trim()}`);
      return { ok: true, message: 'http://sshapp.paas.local' };
    };
    const r = await g.git(['push', sshUrl('sshapp'), 'main'], { cwd: dir, env: sshEnv(aliceKey) });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(remoteLines(r.stderr).slice(0, 3), [
      `-----> Building sshapp at ${head.slice(0, 7)}`,
      'files: index.js',
      'http://sshapp.paas.local',
    ]);
    const event = g.events.at(-1)!;
    assert.equal(event.userId, 'alice');
    assert.equal(event.newCommit, head);
    const stored = await run('git', ['--git-dir', repoPath(g.config, 'sshapp'), 'rev-parse', 'refs/heads/main']);
    assert.equal(stored.stdout.trim(), head);
  });

  it('fails the push over SSH when the deploy fails', async () => {
    const { dir } = await g.workRepo('ssh-fail', { 'other.txt': 'x\n' });
    g.handler = async () => ({ ok: false, message: 'build failed: npm install exited 1' });
    const r = await g.git(['push', '--force', sshUrl('sshapp'), 'main'], { cwd: dir, env: sshEnv(aliceKey) });
    assert.notEqual(r.code, 0);
    assert.ok(remoteLines(r.stderr).includes('! Push rejected: build failed: npm install exited 1'), r.stderr);
  });

  it('clones over SSH (scp-like path without a leading slash too)', async () => {
    const clone = path.join(g.root, 'work', 'ssh-clone');
    const env = { GIT_SSH_COMMAND: ['ssh', ...sshArgs(aliceKey)].join(' ') };
    const r = await g.git(['clone', '-q', `git@127.0.0.1:sshapp`, clone], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(clone, 'index.js')));
  });

  it('answers an exec whose client has already closed its input (ssh … < /dev/null)', async () => {
    // Before: the channel was accepted after the access lookup, when ssh2 no longer gives it out.
    // git-upload-pack advertises its refs, then stops at the EOF with its own status (128); ssh's
    // 255 would mean the connection was dropped instead.
    const fetch = await run('ssh', [...sshArgs(aliceKey), 'git@127.0.0.1', "git-upload-pack 'sshapp.git'"]);
    assert.match(fetch.stdout, /refs\/heads\/main/);
    assert.equal(fetch.code, 128, fetch.stderr);
    const missing = await run('ssh', [...sshArgs(aliceKey), 'git@127.0.0.1', "git-upload-pack 'notmine.git'"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /repository not found/);
  });

  it('refuses an unknown key', async () => {
    const { dir } = await g.workRepo('ssh-stranger');
    const before = g.events.length;
    const r = await g.git(['push', sshUrl('sshapp'), 'main'], { cwd: dir, env: sshEnv(strangerKey) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Permission denied \(publickey\)/);
    assert.equal(g.events.length, before);
  });

  it('answers "not found" for an app the key owner may not push to', async () => {
    const { dir } = await g.workRepo('ssh-noaccess');
    const r = await g.git(['push', sshUrl('notmine'), 'main'], { cwd: dir, env: sshEnv(aliceKey) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /repository not found/);
    assert.equal(fs.existsSync(repoPath(g.config, 'notmine')), false);
  });

  it('refuses every exec that is not git-receive-pack/git-upload-pack of an app, and shells', async () => {
    const marker = path.join(g.root, 'must-survive');
    fs.writeFileSync(marker, 'x');
    for (const command of [
      'ls',
      "git-receive-pack '../../etc'",
      `git-upload-pack 'x.git'; rm -rf ${marker}`,
      "git-upload-pack 'sshapp.git' && id",
      "git-receive-pack '/sshapp.git/../x'",
      'sh -c id',
      'git-receive-pack --help',
      "git-upload-pack 'admin.git'",
    ]) {
      const r = await run('ssh', [...sshArgs(aliceKey), 'git@127.0.0.1', command]);
      assert.notEqual(r.code, 0, command);
      assert.match(r.stderr, /DeployFlow: (only git push and git fetch|repository not found)/, command);
    }
    const shell = await run('ssh', [...sshArgs(aliceKey), '-T', 'git@127.0.0.1']);
    assert.notEqual(shell.code, 0);
    assert.match(shell.stderr, /no shell here/);
    assert.ok(fs.existsSync(marker));
  });
});
