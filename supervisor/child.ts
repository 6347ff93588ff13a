// One supervised process: spawned from the same `deployflow` binary with service names as
// arguments, ready when it says so over IPC, restarted by the restart policy when it dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { decideRestart, type RestartPolicy } from './restart-policy.js';
import { isReadyMessage, SUPERVISED_ENV, type ReadyMessage } from './protocol.js';
import { removeRecord, writeRecord } from './run-dir.js';

export interface ChildContext {
  /** The program and leading arguments that run `deployflow` (node, its flags, the script). */
  command: [string, ...string[]];
  /** Environment of every start; read at each (re)start, so ports pinned meanwhile apply. */
  env: () => NodeJS.ProcessEnv;
  runDir: string;
  policy: RestartPolicy;
  readyTimeoutMs: number;
  /** One line for the operator (the supervisor's output). */
  say: (line: string) => void;
  /** Called with every ready message, the first and each after a restart. */
  onReady: (ready: ReadyMessage) => void;
}

export class SupervisedChild {
  private proc: ChildProcess | null = null;
  private spawnedAt = 0;
  private fastCrashes = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private everReady = false;
  private firstStart: { resolve: (r: ReadyMessage) => void; reject: (e: Error) => void } | null = null;
  gaveUp = false;

  constructor(
    readonly name: string,
    private readonly serviceArgs: string[],
    private readonly ctx: ChildContext,
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** The first start: resolves once it is ready; rejects when it exits or stays silent before that (no restart then). */
  start(): Promise<ReadyMessage> {
    return new Promise((resolve, reject) => {
      this.firstStart = { resolve, reject };
      this.spawnOnce();
    });
  }

  private spawnOnce(): void {
    const [program, ...leading] = this.ctx.command;
    const proc = spawn(program, [...leading, ...this.serviceArgs], {
      env: { ...this.ctx.env(), [SUPERVISED_ENV]: '1' },
      // Own process group: a Ctrl-C in the terminal reaches the supervisor only, which stops the
      // processes in order (control first, the data plane last).
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc = proc;
    this.spawnedAt = Date.now();
    if (proc.pid !== undefined) writeRecord(this.ctx.runDir, this.name, proc.pid);
    const silent = setTimeout(() => {
      this.ctx.say(`deployflow: ${this.name} did not get ready within ${this.ctx.readyTimeoutMs / 1000} s; killing it`);
      proc.kill('SIGKILL');
    }, this.ctx.readyTimeoutMs);
    proc.on('message', (message: unknown) => {
      if (!isReadyMessage(message)) return;
      clearTimeout(silent);
      const restarted = this.everReady;
      this.everReady = true;
      this.ctx.onReady(message);
      if (restarted) this.ctx.say(`deployflow: ${this.name} is back (pid ${proc.pid})`);
      this.firstStart?.resolve(message);
      this.firstStart = null;
    });
    proc.on('error', (err) => this.ctx.say(`deployflow: could not start ${this.name}: ${err.message}`));
    proc.once('exit', (code, signal) => {
      clearTimeout(silent);
      if (this.proc === proc) this.proc = null;
      removeRecord(this.ctx.runDir, this.name);
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      if (this.firstStart) {
        this.firstStart.reject(new Error(`${this.name} ${how} before it was ready`));
        this.firstStart = null;
        return;
      }
      if (this.stopping) return;
      this.afterCrash(how);
    });
  }

  private afterCrash(how: string): void {
    const decision = decideRestart(this.ctx.policy, Date.now() - this.spawnedAt, this.fastCrashes);
    this.fastCrashes = decision.fastCrashes;
    if (decision.action === 'give-up') {
      this.gaveUp = true;
      const seconds = this.ctx.policy.fastCrashMs / 1000;
      this.ctx.say(
        `deployflow: GIVING UP on ${this.name}: it ${how}, its ${decision.fastCrashes}th crash in a row within ${seconds} s of ` +
          'its start. The other processes keep running. Fix the cause (its last lines are above), then `deployflow down` and `make up`.',
      );
      return;
    }
    this.ctx.say(`deployflow: ${this.name} ${how}; restarting it in ${decision.delayMs} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopping) this.spawnOnce();
    }, decision.delayMs);
  }

  /** SIGTERM (the process drains and stops), SIGKILL after `graceMs`; no restart afterwards. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  }
}
