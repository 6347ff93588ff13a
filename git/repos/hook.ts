// The pre-receive hook every app repo carries. git runs it with the pushed ref lines on stdin
// while the new objects are still quarantined; it hands them to the git service over loopback,
// prints whatever the deploy streams back (git shows hook stdout as `remote:` lines), and exits
// non-zero when the deploy fails so the whole push is refused.
//
// It is plain JavaScript run by the same Node binary as the service, and loads its one module
// with dynamic import(), which works whether Node reads the file as CommonJS or as ESM.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Env names shared by the hook and the service that spawns receive-pack. */
export const HOOK_ENV = {
  port: 'DEPLOYFLOW_HOOK_PORT',
  pushId: 'DEPLOYFLOW_PUSH_ID',
  secret: 'DEPLOYFLOW_PUSH_SECRET',
  app: 'DEPLOYFLOW_APP',
  userId: 'DEPLOYFLOW_USER_ID',
} as const;

/** What the hook forwards so the deploy can read the quarantined objects. */
export const QUARANTINE_ENV = ['GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_QUARANTINE_PATH'] as const;

const BODY = String.raw`
const env = process.env;
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => { main().catch((err) => { console.log('DeployFlow: ' + err.message); process.exitCode = 1; }); });

async function main() {
  if (!env.__PORT__ || !env.__SECRET__) {
    console.log('DeployFlow: pushes must go through the DeployFlow git service');
    process.exitCode = 1;
    return;
  }
  const net = await import('node:net');
  const quarantine = {};
  for (const name of __QUARANTINE__) if (env[name]) quarantine[name] = env[name];
  const request = { pushId: env.__PUSH_ID__, secret: env.__SECRET__, app: env.__APP__, userId: env.__USER_ID__,
    refs: Buffer.concat(chunks).toString('utf8'), gitEnv: quarantine };
  process.exitCode = 1;
  const sock = net.connect(Number(env.__PORT__), '127.0.0.1');
  sock.setEncoding('utf8');
  sock.on('error', (err) => console.log('DeployFlow: the git service is unreachable: ' + err.message));
  sock.write(JSON.stringify(request) + '\n');
  let buffered = '';
  sock.on('data', (data) => {
    buffered += data;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      if (typeof msg.line === 'string') console.log(msg.line);
      if (msg.done === true) process.exitCode = msg.ok === true ? 0 : 1;
    }
  });
}
`;

export function hookScript(nodePath = process.execPath): string {
  const body = BODY
    .replaceAll('__PORT__', HOOK_ENV.port).replaceAll('__SECRET__', HOOK_ENV.secret)
    .replaceAll('__PUSH_ID__', HOOK_ENV.pushId).replaceAll('__APP__', HOOK_ENV.app)
    .replaceAll('__USER_ID__', HOOK_ENV.userId).replaceAll('__QUARANTINE__', JSON.stringify(QUARANTINE_ENV));
  return `#!${nodePath}\n// Written by DeployFlow; rewritten before every push.\n${body}`;
}

/** Writes hooks/pre-receive atomically (temp file + rename) so a running push never reads half a file. */
export function installHook(repo: string): void {
  const dir = path.join(repo, 'hooks');
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const target = path.join(dir, 'pre-receive');
  const script = hookScript();
  try {
    if (fs.readFileSync(target, 'utf8') === script) return;
  } catch { /* not written yet */ }
  const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, script, { mode: 0o755 });
  fs.chmodSync(tmp, 0o755);
  fs.renameSync(tmp, target);
}
