// Cluster mode (GATEWAY_WORKERS > 1): this process forks that many gateway workers that share the
// listening sockets, with the kernel spreading connections (SCHED_NONE: no hop through the
// primary). Each worker is a full gateway following the route table on its own.
import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';
import type { Config } from '../../common/config/config.js';
import type { Logger } from '../../common/log/logger.js';
import type { RunningService } from '../../common/service.js';

export const WORKER_CONFIG_ENV = 'DEPLOYFLOW_GATEWAY_WORKER_CONFIG';

export async function startCluster(config: Config, workers: number, drainMs: number, log: Logger): Promise<RunningService> {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  // Compiled (make build), the worker is the JavaScript beside this module; from the sources, tsx runs it.
  const compiled = import.meta.url.endsWith('.js');
  cluster.setupPrimary({
    exec: path.join(import.meta.dirname, compiled ? 'worker.js' : 'worker.ts'),
    execArgv: compiled ? [] : ['--import', 'tsx'],
    silent: false,
  });
  const env = { [WORKER_CONFIG_ENV]: JSON.stringify(config), GATEWAY_WORKERS: '1' };
  const started: Worker[] = [];
  let stopping = false;
  const fork = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork(env);
      started.push(w);
      w.on('message', (m: unknown) => {
        if (m === 'ready') resolve(w);
      });
      w.once('exit', (code) => {
        started.splice(started.indexOf(w), 1);
        if (stopping) return;
        reject(new Error(`gateway worker exited with ${code} before it was ready`));
        log.error({ code }, 'gateway worker exited; starting another');
        fork().catch((err: unknown) => log.error({ err }, 'gateway worker restart failed'));
      });
    });
  await Promise.all(Array.from({ length: workers }, fork));
  log.info({ workers }, 'gateway cluster ready');
  return {
    name: 'gateway',
    addresses: [`http://${config.bind}:${config.gatewayHttpPort}`, `https://${config.bind}:${config.gatewayHttpsPort}`],
    async stop() {
      stopping = true;
      await Promise.all(
        [...started].map(
          (w) =>
            new Promise<void>((resolve) => {
              const kill = setTimeout(() => w.kill('SIGKILL'), drainMs + 5000);
              w.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              w.send('stop');
            }),
        ),
      );
    },
  };
}
