// Pushes and fetches over smart HTTP with the real git client against a started git service.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { pktLine } from '../git/http/request.js';
import { repoPath } from '../git/index.js';
import { remoteLines, run, startTestGit, type TestGit } from './git-fixtures.js';

function rawGet(
  port: number,
  rawPath: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const basic = (token: string): string => 'Basic ' + Buffer.from(`anyone:${token}`).toString('base64');

describe('git smart HTTP', () => {
  let g: TestGit;
  before(async () => {
    g = await startTestGit();
    g.tokens.set('tok-alice', 'alice').set('tok-bob', 'bob').set('tok-carol', 'carol');
    g.grants.push(
      { user: 'alice', app: 'myapp', mode: 'write' },
      { user: 'carol', app: 'myapp', mode: 'read' },
      { user: 'alice', app: 'failing', mode: 'write' },
    );
  });
  after(async () => {
    await g.cleanup();
  });

  it('pushes with a token, streams the deploy as remote: lines, and moves the branch only when the handler publishes it', async () => {
    const { dir, head } = await g.workRepo('push', { 'server.js': 'require("http")\n', README: 'hi\n' });
    let archived = '';
    let branchWhileDeploying: string | null = null;
    g.handler = async (event, out) => {
      out('-----> Building myapp');
      out('step one\nstep two');
      const tar = await run('git', ['--git-dir', event.repoPath, 'archive', '--format=tar', event.newCommit]);
      assert.equal(tar.code, 0, tar.stderr);
      archived = tar.stdout;
      branchWhileDeploying = (
        await run('git', ['--git-dir', event.repoPath, 'rev-parse', '--verify', '-q', 'refs/heads/main'])
      ).stdout.trim();
      await event.publishRef();
      return { ok: true, message: 'Deployed to http://myapp.paas.local' };
    };
    const r = await g.git(['push', g.httpUrl('myapp', 'tok-alice'), 'main'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const lines = remoteLines(r.stderr);
    assert.deepEqual(lines.slice(0, 4), ['-----> Building myapp', 'step one', 'step two', 'Deployed to http://myapp.paas.local']);
    const event = g.events.at(-1)!;
    assert.deepEqual(
      { app: event.app, userId: event.userId, ref: event.ref, old: event.oldCommit, new: event.newCommit },
      { app: 'myapp', userId: 'alice', ref: 'refs/heads/main', old: '0'.repeat(40), new: head },
    );
    assert.equal(event.repoPath, repoPath(g.config, 'myapp'));
    assert.match(archived, /server\.js/);
    assert.equal(branchWhileDeploying, '', 'the branch did not exist before the handler published it');
    const stored = await run('git', ['--git-dir', event.repoPath, 'rev-parse', 'refs/heads/main']);
    assert.equal(stored.stdout.trim(), head);
    assert.equal(fs.statSync(path.join(event.repoPath, 'hooks', 'proc-receive')).mode & 0o777, 0o755);
    assert.equal(fs.existsSync(path.join(event.repoPath, 'hooks', 'pre-receive')), false, 'the one hook is proc-receive');
  });

  it('fails the push when the deploy fails, and leaves the branch where it was', async () => {
    const first = await g.workRepo('fail');
    g.handler = async () => ({ ok: true, message: 'ok' });
    assert.equal((await g.git(['push', g.httpUrl('failing', 'tok-alice'), 'main'], { cwd: first.dir })).code, 0);
    fs.writeFileSync(path.join(first.dir, 'two.txt'), '2\n');
    await g.git(['add', '-A'], { cwd: first.dir });
    await g.git(['commit', '-q', '-m', 'two'], { cwd: first.dir });
    g.handler = async (_e, out) => {
      out('-----> Health check');
      return { ok: false, message: 'health check failed on /' };
    };
    const r = await g.git(['push', g.httpUrl('failing', 'tok-alice'), 'main'], { cwd: first.dir });
    assert.notEqual(r.code, 0);
    assert.ok(remoteLines(r.stderr).includes('! Push rejected: health check failed on /'), r.stderr);
    assert.match(r.stderr, /\[remote rejected\] main -> main \(deploy failed\)/);
    const stored = await run('git', ['--git-dir', repoPath(g.config, 'failing'), 'rev-parse', 'refs/heads/main']);
    assert.equal(stored.stdout.trim(), first.head);
  });

  it('a handler that throws fails the push with a generic message', async () => {
    const { dir } = await g.workRepo('throws');
    g.handler = async () => {
      throw new Error('secret internals');
    };
    const r = await g.git(['push', g.httpUrl('failing', 'tok-alice'), 'HEAD:refs/heads/master', '--force'], { cwd: dir });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /internal error/);
    assert.doesNotMatch(r.stderr, /secret internals/);
  });

  it('stores other branches without deploying, and refuses deleting a branch', async () => {
    const { dir } = await g.workRepo('branch');
    const before = g.events.length;
    const r = await g.git(['push', g.httpUrl('myapp', 'tok-alice'), 'HEAD:refs/heads/feature'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(g.events.length, before);
    assert.ok(remoteLines(r.stderr).some((l) => l.includes('refs/heads/feature stored; only pushes to main or master deploy')));
    const del = await g.git(['push', g.httpUrl('myapp', 'tok-alice'), ':refs/heads/feature'], { cwd: dir });
    assert.notEqual(del.code, 0);
    assert.match(del.stderr, /Deleting refs\/heads\/feature is not allowed/);
    const still = await run('git', ['--git-dir', repoPath(g.config, 'myapp'), 'rev-parse', '--verify', 'refs/heads/feature']);
    assert.equal(still.code, 0);
  });

  it("deploys the app's own deploy branch and only stores main then", async () => {
    const { dir, head } = await g.workRepo('staging');
    g.grants.push({ user: 'alice', app: 'branchy', mode: 'write' });
    g.branches.set('branchy', 'staging');
    g.handler = async () => ({ ok: true, message: 'ok' });
    const before = g.events.length;
    const main = await g.git(['push', g.httpUrl('branchy', 'tok-alice'), 'HEAD:refs/heads/main'], { cwd: dir });
    assert.equal(main.code, 0, main.stderr);
    assert.equal(g.events.length, before);
    assert.ok(remoteLines(main.stderr).includes('refs/heads/main stored; only pushes to staging deploy.'), main.stderr);
    const staging = await g.git(['push', g.httpUrl('branchy', 'tok-alice'), 'HEAD:refs/heads/staging'], { cwd: dir });
    assert.equal(staging.code, 0, staging.stderr);
    assert.equal(g.events.length, before + 1);
    assert.deepEqual([g.events.at(-1)?.ref, g.events.at(-1)?.newCommit], ['refs/heads/staging', head]);
  });

  it('refuses a wrong token with an authentication failure', async () => {
    const { dir } = await g.workRepo('badtoken');
    const r = await g.git(['push', g.httpUrl('myapp', 'wrong'), 'main'], { cwd: dir });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Authentication failed/);
    const res = await rawGet(g.service.httpPort, '/myapp.git/info/refs?service=git-receive-pack');
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Basic realm="DeployFlow"');
  });

  it('answers "not found" to a user without access, and creates no repo', async () => {
    const { dir } = await g.workRepo('noaccess');
    const r = await g.git(['push', g.httpUrl('otherapp', 'tok-bob'), 'main'], { cwd: dir });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not found/i);
    assert.equal(fs.existsSync(repoPath(g.config, 'otherapp')), false);
    const bobOnMyapp = await g.git(['ls-remote', g.httpUrl('myapp', 'tok-bob')]);
    assert.notEqual(bobOnMyapp.code, 0);
  });

  it('lets readers clone and fetch but not push', async () => {
    const clone = path.join(g.root, 'work', 'carol-clone');
    const r = await g.git(['clone', '-q', g.httpUrl('myapp', 'tok-carol'), clone]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(clone, 'server.js')));
    assert.equal((await g.git(['fetch', '-q', 'origin'], { cwd: clone })).code, 0);
    const v2 = await g.git(['-c', 'protocol.version=2', 'ls-remote', g.httpUrl('myapp', 'tok-carol')]);
    assert.equal(v2.code, 0, v2.stderr);
    assert.match(v2.stdout, /refs\/heads\/main/);
    const push = await g.git(['push', g.httpUrl('myapp', 'tok-carol'), 'HEAD:refs/heads/carol'], { cwd: clone });
    assert.notEqual(push.code, 0);
  });

  it('refuses every path that is not exactly /<app>.git/<endpoint>', async () => {
    const auth = { authorization: basic('tok-alice') };
    const ok = await rawGet(g.service.httpPort, '/myapp.git/info/refs?service=git-upload-pack', auth);
    assert.equal(ok.status, 200);
    for (const bad of [
      '/../myapp.git/info/refs?service=git-upload-pack',
      '/%2e%2e/myapp.git/info/refs?service=git-upload-pack',
      '/myapp.git/../../etc/passwd',
      '/x/myapp.git/info/refs?service=git-upload-pack',
      '/MyApp.git/info/refs?service=git-upload-pack',
      '/admin.git/info/refs?service=git-upload-pack',
      '/myapp.git/info/refs',
      '/myapp.git/HEAD',
      '/myapp.git/objects/info/packs',
      '/myapp.git/info/refs?service=git-shell',
      '/myapp%2egit/info/refs?service=git-upload-pack',
      '/myapp.git/git-upload-pack',
    ]) {
      const res = await rawGet(g.service.httpPort, bad, auth);
      assert.equal(res.status, 404, bad);
    }
  });

  it('refuses a push straight into the repo directory that bypasses the service', async () => {
    const { dir } = await g.workRepo('bypass');
    const r = await g.git(['push', repoPath(g.config, 'myapp'), 'HEAD:refs/heads/sneaky'], { cwd: dir });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /must go through the DeployFlow git service/);
  });

  it('streams deploy lines to the pusher while the deploy is still running', async () => {
    const { dir } = await g.workRepo('live');
    let seen: () => void = () => undefined;
    const sawMarker = new Promise<void>((resolve) => {
      seen = resolve;
    });
    g.handler = async (_e, out) => {
      out('live-marker');
      const timeout = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 10_000).unref());
      const result = await Promise.race([sawMarker.then(() => 'seen' as const), timeout]);
      return result === 'seen' ? { ok: true, message: 'streamed' } : { ok: false, message: 'the line did not arrive while deploying' };
    };
    const child = spawn('git', ['-c', 'credential.helper=', 'push', '--force', g.httpUrl('myapp', 'tok-alice'), 'HEAD:refs/heads/main'], {
      cwd: dir,
      env: g.gitEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('remote: live-marker')) seen();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.ok(remoteLines(stderr).includes('streamed'));
  });

  it('accepts gzip-compressed request bodies', async () => {
    const head = (await run('git', ['--git-dir', repoPath(g.config, 'myapp'), 'rev-parse', 'refs/heads/main'])).stdout.trim();
    const body = gzipSync(Buffer.from(pktLine(`want ${head}\n`) + '0000' + pktLine('done\n')));
    const res = await fetch(`http://127.0.0.1:${g.service.httpPort}/myapp.git/git-upload-pack`, {
      method: 'POST',
      body,
      headers: { authorization: basic('tok-carol'), 'content-type': 'application/x-git-upload-pack-request', 'content-encoding': 'gzip' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-git-upload-pack-result');
    const data = Buffer.from(await res.arrayBuffer()).toString('latin1');
    assert.ok(data.startsWith('0008NAK\n'), data.slice(0, 40));
    assert.ok(data.includes('PACK'));
  });
});
