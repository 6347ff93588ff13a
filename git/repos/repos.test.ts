// `git init` of an app's repository gets the allow-listed environment, not control's: a stand-in
// `git` early on PATH writes down the environment it was started with.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureRepo } from './repos.js';

describe('app repositories', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-repos-env-'));
  const saved = { ...process.env };
  after(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("runs git init without control's secrets or the user's git config", async () => {
    const dump = path.join(dir, 'env.txt');
    fs.writeFileSync(path.join(dir, 'git'), `#!/bin/sh\nenv > '${dump}'\n`, { mode: 0o755 });
    Object.assign(process.env, {
      PATH: `${dir}:${process.env.PATH ?? ''}`,
      DEPLOYFLOW_JWT_SECRET: 'jwt-secret-value',
      MONGODB_URL: 'mongodb://u:pw@db/x',
    });
    // The stand-in makes no repository, so what comes after init may fail; the init ran first.
    await ensureRepo({ dataDir: path.join(dir, 'data') }, 'envcheck').catch(() => undefined);
    const env = fs.readFileSync(dump, 'utf8');
    assert.doesNotMatch(env, /DEPLOYFLOW_|MONGODB_URL|jwt-secret-value/);
    assert.match(env, /^GIT_CONFIG_GLOBAL=\/dev\/null$/m);
  });
});
