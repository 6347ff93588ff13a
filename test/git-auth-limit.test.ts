// Guessing tokens over git HTTP is throttled: after the allowed failures an address gets 429
// (even with the right token) until the window passes; git shows the reason. Over SSH, an
// address whose connections keep ending unauthenticated is dropped at connect.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run, startTestGit, type TestGit } from './git-fixtures.js';

describe('git HTTP sign-in limits', () => {
  let t: TestGit;

  before(async () => {
    t = await startTestGit({ authLimits: { points: 3, windowSeconds: 60 } });
    t.tokens.set('dfp_good', 'u1');
    t.grants.push({ user: 'u1', app: 'limited', mode: 'write' });
  });
  after(() => t.cleanup());

  const refs = (token: string): Promise<Response> =>
    fetch(`http://127.0.0.1:${t.service.httpPort}/limited.git/info/refs?service=git-receive-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` },
    });

  it('answers 401 for wrong tokens, then 429 for everything from that address', async () => {
    const ok = await refs('dfp_good');
    assert.equal(ok.status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await refs(`dfp_guess_${i}`)).status, 401);
    const limited = await refs('dfp_good');
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    const push = await t.git(['ls-remote', t.httpUrl('limited', 'dfp_good')]);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /429|Too many/);
  });
});

describe('git SSH sign-in limits', () => {
  let t: TestGit;
  let known: string;
  let unknown: string;

  before(async () => {
    t = await startTestGit({ authLimits: { points: 2, windowSeconds: 60 } });
    fs.mkdirSync(path.join(t.root, 'keys'), { mode: 0o700 });
    known = path.join(t.root, 'keys', 'known');
    unknown = path.join(t.root, 'keys', 'unknown');
    for (const file of [known, unknown]) assert.equal((await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file])).code, 0);
    t.keys.set('u1', [fs.readFileSync(`${known}.pub`, 'utf8')]);
    t.grants.push({ user: 'u1', app: 'sshlimit', mode: 'write' });
  });
  after(() => t.cleanup());

  // A push of one work repo (the first one creates the repository; the fake deploy handler accepts it).
  let work: string | null = null;
  const lsRemote = async (key: string) =>
    t.git(['push', `ssh://git@127.0.0.1:${t.service.sshPort}/sshlimit.git`, 'main'], {
      cwd: (work ??= (await t.workRepo('sshlimit-work')).dir),
      env: {
        GIT_SSH_COMMAND: `ssh -F /dev/null -i ${key} -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p ${t.service.sshPort}`,
      },
    });

  it('drops connections from an address after repeated unauthenticated ones, even with a good key', async () => {
    assert.equal((await lsRemote(known)).code, 0, 'a registered key works');
    for (let i = 0; i < 2; i++) assert.notEqual((await lsRemote(unknown)).code, 0);
    await new Promise((r) => setTimeout(r, 200)); // the close that records the failure is asynchronous
    const blocked = await lsRemote(known);
    assert.notEqual(blocked.code, 0);
    assert.match(blocked.stderr, /Received disconnect|closed|reset|kex_exchange_identification/i, blocked.stderr);
  });
});
