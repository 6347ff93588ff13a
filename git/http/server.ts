// Smart HTTP: GET info/refs advertises, POST runs the service with --stateless-rpc. Every
// request authenticates (HTTP Basic, token as password) because the protocol is stateless.
import http from 'node:http';
import { createGunzip } from 'node:zlib';
import type { Config } from '../../common/config/config.js';
import type { Logger } from '../../common/log/logger.js';
import type { AuthFailures } from '../access/failures.js';
import { openRepo } from '../access/open-repo.js';
import { gitProtocol, gitServiceCommand, type GitRunner } from '../commands/git-commands.js';
import type { HookServer } from '../push/hook-server.js';
import type { GitAccess } from '../types.js';
import { basicPassword, parseGitRequest, pktLine, type GitHttpRequest } from './request.js';

export interface GitHttpDeps {
  config: Config;
  log: Logger;
  access: GitAccess;
  hooks: HookServer;
  runner: GitRunner;
  failures: AuthFailures;
}

const NO_CACHE = { 'cache-control': 'no-cache, max-age=0, must-revalidate', pragma: 'no-cache', expires: 'Fri, 01 Jan 1980 00:00:00 GMT' };

function plain(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(text + '\n');
}

/** Advertisement is buffered so a failing git turns into a 500, not a truncated 200. */
function advertise(deps: GitHttpDeps, req: http.IncomingMessage, res: http.ServerResponse, gr: GitHttpRequest, repo: string): void {
  const protocol = gitProtocol(req.headers['git-protocol']);
  const child = deps.runner.run(gitServiceCommand(gr.service, repo, { statelessRpc: true, advertiseRefs: true, protocol }));
  child.stdin.end();
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stderr.on('data', (c: Buffer) => deps.log.debug({ app: gr.app, stderr: c.toString() }, 'git advertise stderr'));
  child.on('error', (err) => {
    deps.log.error({ err }, 'git: cannot run git');
    plain(res, 500, 'git is not available');
  });
  child.on('close', (code) => {
    if (code !== 0) {
      plain(res, 500, 'Internal error');
      return;
    }
    res.writeHead(200, { 'content-type': `application/x-git-${gr.service}-advertisement`, ...NO_CACHE });
    // Protocol v2 starts with its own capability advertisement and has no service header.
    if (protocol !== 'version=2') res.write(pktLine(`# service=git-${gr.service}\n`) + '0000');
    res.end(Buffer.concat(chunks));
  });
}

function rpc(
  deps: GitHttpDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  gr: GitHttpRequest,
  repo: string,
  userId: string,
): void {
  if (req.headers['content-type'] !== `application/x-git-${gr.service}-request`) {
    plain(res, 415, `Expected Content-Type application/x-git-${gr.service}-request`);
    return;
  }
  const push = gr.service === 'receive-pack' ? deps.hooks.register(gr.app, userId, repo) : null;
  const protocol = gitProtocol(req.headers['git-protocol']);
  const child = deps.runner.run(gitServiceCommand(gr.service, repo, { statelessRpc: true, protocol, env: push?.env ?? {} }));
  child.on('close', () => push?.release());
  child.on('error', (err) => {
    deps.log.error({ err }, 'git: cannot run git');
    plain(res, 500, 'git is not available');
  });
  child.stderr.on('data', (c: Buffer) => deps.log.debug({ app: gr.app, stderr: c.toString() }, 'git rpc stderr'));
  const encoding = req.headers['content-encoding'];
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    const gunzip = createGunzip();
    gunzip.on('error', () => {
      child.kill('SIGTERM');
      res.destroy();
    });
    req.pipe(gunzip).pipe(child.stdin);
  } else if (encoding === undefined || encoding === 'identity') {
    req.pipe(child.stdin);
  } else {
    child.kill('SIGTERM');
    plain(res, 415, 'Unsupported Content-Encoding');
    return;
  }
  res.writeHead(200, { 'content-type': `application/x-git-${gr.service}-result`, ...NO_CACHE });
  child.stdout.pipe(res);
}

async function handle(deps: GitHttpDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const gr = parseGitRequest(req.method, req.url);
  if (!gr) {
    plain(res, 404, 'Not found');
    return;
  }
  const address = req.socket.remoteAddress ?? 'unknown';
  // Counted before the lookup, so parallel guesses cannot all pass a check of the same count.
  const wait = await deps.failures.take(address);
  if (wait > 0) {
    plain(res, 429, 'Too many failed sign-ins from this address; try again later', { 'retry-after': String(wait) });
    return;
  }
  const password = basicPassword(req.headers.authorization);
  const user = password === null ? null : await deps.access.userForPassword(password);
  if (user || password === null) await deps.failures.giveBack(address);
  if (!user) {
    if (password !== null) deps.log.info({ app: gr.app, ip: address }, 'git http: bad credentials');
    // The challenge makes git ask its credential helper (or the user) for the token.
    plain(res, 401, 'Authentication required: use any user name and an API token as the password', {
      'www-authenticate': 'Basic realm="DeployFlow"',
    });
    return;
  }
  const repo = await openRepo(deps.config, deps.access, user.id, gr.app, gr.service);
  if (!repo) {
    plain(res, 404, 'Repository not found');
    return;
  }
  if (gr.advertise) advertise(deps, req, res, gr, repo);
  else rpc(deps, req, res, gr, repo, user.id);
}

export function createGitHttpServer(deps: GitHttpDeps): http.Server {
  const server = http.createServer((req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      deps.log.error({ err }, 'git http: request failed');
      plain(res, 500, 'Internal error');
    });
  });
  // A push waits for its deploy and a large upload can be slow: no whole-request deadline.
  server.requestTimeout = 0;
  return server;
}
