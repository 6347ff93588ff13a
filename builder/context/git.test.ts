// The environment build-time git runs with: a stand-in `git` early on PATH writes down the
// environment it was started with, so this checks what the child really got, not a constant.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Readable } from 'node:stream';
import { parseCommitSha } from '../../common/names/validate.js';

const CONTROL_SECRETS = {
  DEPLOYFLOW_JWT_SECRET: 'jwt-secret-value',
  DEPLOYFLOW_ENCRYPTION_KEY: 'encryption-key-value',
  GOOGLE_CLIENT_SECRET: 'google-secret-value',
  MONGODB_URL: 'mongodb://user:pw@db/deployflow',
  GIT_DIR: '/somewhere/else.git',
};

function envKeys(dump: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const line of dump.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1]) keys.set(m[1], m[2] ?? '');
  }
  return keys;
}

describe('build-time git environment', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-git-env-'));
  const dump = path.join(dir, 'env.txt');
  const saved = { ...process.env };
  let git: typeof import('./git.js');

  before(async () => {
    fs.writeFileSync(path.join(dir, 'git'), `#!/bin/sh\nenv > '${dump}'\n`, { mode: 0o755 });
    Object.assign(process.env, CONTROL_SECRETS, { PATH: `${dir}:${process.env.PATH ?? ''}` });
    git = await import('./git.js');
  });
  after(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function assertIsolated(keys: Map<string, string>): void {
    const leaked = [...keys.keys()].filter((k) => /^(DEPLOYFLOW_|GOOGLE_)/.test(k) || k === 'MONGODB_URL' || k === 'GIT_DIR');
    assert.deepEqual(leaked, []);
    for (const value of Object.values(CONTROL_SECRETS))
      assert.ok(![...keys.values()].includes(value), 'no secret value under another name');
    assert.equal(keys.get('GIT_CONFIG_GLOBAL'), '/dev/null');
    assert.equal(keys.get('GIT_CONFIG_NOSYSTEM'), '1');
    assert.equal(keys.get('GIT_TERMINAL_PROMPT'), '0');
    assert.ok(keys.get('PATH')?.includes(dir), 'PATH is passed on');
  }

  it("gives runGit none of control's secrets and no user or system git config", async () => {
    await git.runGit('/repo.git', ['cat-file', '--batch'], '');
    assertIsolated(envKeys(fs.readFileSync(dump, 'utf8')));
  });

  it('keeps the quarantine variables of a pre-receive push, and isolates git archive too', async () => {
    fs.rmSync(dump, { force: true });
    const stream: Readable = git.gitArchive(
      { dir: '/repo.git', env: { GIT_OBJECT_DIRECTORY: '/q/objects' } },
      parseCommitSha('a'.repeat(40)),
    );
    await new Promise<void>((resolve) => {
      stream.resume();
      stream.once('close', resolve);
      stream.once('end', resolve);
    });
    const keys = envKeys(fs.readFileSync(dump, 'utf8'));
    assertIsolated(keys);
    assert.equal(keys.get('GIT_OBJECT_DIRECTORY'), '/q/objects');
  });
});
