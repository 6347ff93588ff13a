// What day-two operations need, narrowed from ControlDeps: they run only where Docker (and so
// the deploy engine, whose per-app queue they share) is available.
import type Docker from 'dockerode';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { ReleaseDeps } from '../../builder/index.js';
import type { OpsDeps, OpsEngine } from '../app-runtime/runtime.js';
import type { App } from '../store/types.js';

export type { OpsDeps };

/** Control's dependencies with Docker (and so the deploy engine) maybe missing; ControlDeps is one. */
export type MaybeOpsDeps = Omit<OpsDeps, 'docker' | 'deploy'> & { docker: Docker | null; deploy: OpsEngine | null };

export function opsDeps(deps: MaybeOpsDeps): OpsDeps {
  if (!deps.docker || !deps.deploy)
    throw new DeployFlowError('DF_ERR_UNAVAILABLE', 'Operations need the Docker Engine, which is not available');
  return {
    config: deps.config,
    store: deps.store,
    docker: deps.docker,
    deploy: deps.deploy,
    routes: deps.routes,
    envCipher: deps.envCipher,
    log: deps.log,
  };
}

/** Lines of an operation go to control's log (there is no deployment log to write them to). */
export function opsLog(ops: OpsDeps, app: string): (line: string) => void {
  return (line) => ops.log.info({ app }, line.replace(/^-----> /, '').trim());
}

/** Release timings and the publish hook the builder's release primitives expect. */
export function releaseDeps(ops: OpsDeps, app: App, write: (line: string) => void): ReleaseDeps {
  return {
    docker: ops.docker,
    log: write,
    publish: (upstreams) => ops.deploy.publish(app, upstreams, write),
    healthTimeoutMs: ops.config.healthTimeoutSeconds * 1000,
    drainMs: ops.config.drainSeconds * 1000,
  };
}
