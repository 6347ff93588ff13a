// The hook every app repo carries: proc-receive (git ≥ 2.29; receive.procReceiveRefs=refs hands
// it every ref update of a push, in place of git's own). It calls the git service over loopback,
// which checks the push (ref plan, access asked again after the upload) and refuses it whole when
// it is not allowed, deploys the pushed commit of the deploy branch, and moves that branch itself
// when the version goes live. git holds no ref lock meanwhile, so a second push to the app is
// accepted while the first one builds, and the branches move in push order. The hook prints what
// the service streams back (git shows it as `remote:` lines) and answers `ok <ref>` or
// `ng <ref> <reason>` per ref; any `ng` makes `git push` exit non-zero.
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

// Sends one request, prints the streamed lines with `print`, resolves with the final message.
const CALL = String.raw`
const env = process.env;
async function call(refs, print) {
  if (!env.__PORT__ || !env.__SECRET__) throw new Error('pushes must go through the DeployFlow git service');
  const net = await import('node:net');
  const request = { pushId: env.__PUSH_ID__, secret: env.__SECRET__, app: env.__APP__, userId: env.__USER_ID__, refs };
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(env.__PORT__), '127.0.0.1');
    let final = null;
    let buffered = '';
    sock.setEncoding('utf8');
    sock.on('error', (err) => reject(new Error('the git service is unreachable: ' + err.message)));
    sock.on('close', () => final ? resolve(final) : reject(new Error('the git service hung up')));
    sock.write(JSON.stringify(request) + '\n');
    sock.on('data', (data) => {
      buffered += data;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        if (typeof msg.line === 'string') print(msg.line);
        if (msg.done === true) final = msg;
      }
    });
  });
}
`;

// git's proc-receive protocol (version 1) in pkt-lines: git sends its version line and a flush,
// we answer ours; git sends one "<old> <new> <ref>" line per command and a flush; we answer
// "ok <ref>" or "ng <ref> <reason>" per command and a flush. stdout carries only the protocol,
// so the deploy's lines go to stderr, which git forwards to the pusher.
const PROC_RECEIVE = String.raw`
let input = Buffer.alloc(0);
let stage = 'version';
const commands = [];
const pkt = (text) => { const b = Buffer.from(text, 'utf8'); return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, '0')), b]); };
const say = (lines) => process.stdout.write(Buffer.concat([...lines.map(pkt), Buffer.from('0000')]));
process.stdin.on('data', (c) => {
  input = Buffer.concat([input, c]);
  while (input.length >= 4 && stage !== 'done') {
    const len = parseInt(input.subarray(0, 4).toString('latin1'), 16);
    if (len !== 0 && input.length < len) return;
    const text = len === 0 ? null : input.subarray(4, len).toString('utf8').replace(/\n$/, '');
    input = input.subarray(len === 0 ? 4 : len);
    if (stage === 'version') {
      if (text === null) { say(['version=1\0']); stage = 'commands'; }
    } else if (text !== null) {
      commands.push(text);
    } else {
      stage = 'done';
      receive();
    }
  }
});
function receive() {
  const refs = commands.map((c) => c.split(' ')[2]);
  call(commands.join('\n') + '\n', (line) => process.stderr.write(line + '\n'))
    .then((final) => {
      const results = Array.isArray(final.results) ? final.results : [];
      say(refs.map((ref) => {
        const r = results.find((x) => x.ref === ref);
        return r && r.ok === true ? 'ok ' + ref : 'ng ' + ref + ' ' + String((r && r.reason) || 'not deployed').replace(/[\r\n]+/g, ' ');
      }));
    })
    .catch((err) => {
      process.stderr.write('DeployFlow: ' + err.message + '\n');
      say(refs.map((ref) => 'ng ' + ref + ' the DeployFlow git service did not answer'));
    });
}
`;

export function hookScript(nodePath = process.execPath): string {
  const body = (CALL + PROC_RECEIVE)
    .replaceAll('__PORT__', HOOK_ENV.port)
    .replaceAll('__SECRET__', HOOK_ENV.secret)
    .replaceAll('__PUSH_ID__', HOOK_ENV.pushId)
    .replaceAll('__APP__', HOOK_ENV.app)
    .replaceAll('__USER_ID__', HOOK_ENV.userId);
  return `#!${nodePath}\n// Written by DeployFlow; rewritten before every push.\n${body}`;
}

/**
 * Writes hooks/proc-receive atomically (temp file + rename) so a running push never reads half a
 * file, and removes the pre-receive hook earlier versions wrote (it would refuse every push now).
 */
export function installHook(repo: string): void {
  const dir = path.join(repo, 'hooks');
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.rmSync(path.join(dir, 'pre-receive'), { force: true });
  const target = path.join(dir, 'proc-receive');
  const script = hookScript();
  try {
    if (fs.readFileSync(target, 'utf8') === script) return;
  } catch {
    /* not written yet */
  }
  const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, script, { mode: 0o755 });
  fs.chmodSync(tmp, 0o755);
  fs.renameSync(tmp, target);
}
