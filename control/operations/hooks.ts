// What follows a deploy or a deletion without the deploy engine knowing about operations: a
// successful release clears the stopped flag (a push starts a stopped app), prunes old images in
// the app's queue and trims BuildKit's cache to its budget; a deleted app's metrics history goes.
import { trimBuildCache } from '../../builder/index.js';
import type { ControlDeps } from '../server/deps.js';
import { pruneImages } from './retention.js';
import { setStopped } from './stopped.js';

export function attachOperationHooks(deps: ControlDeps): void {
  const { deploy, docker } = deps;
  if (!deploy || !docker) return;
  deps.events.on('deployment.status', (d) => {
    if (d.status !== 'running') return;
    deploy
      .runExclusive(d.app, async () => {
        await setStopped(deps.store, d.app, false);
        const history = await deps.store.deployments.listByApp(d.app, 100);
        const removed = await pruneImages(docker, d.app, deps.config.keepImages, history);
        if (removed.length) deps.log.info({ app: d.app, removed }, 'removed old images');
        const trimmed = await trimBuildCache(docker, deps.config.buildCacheMb * 1024 * 1024);
        if (trimmed.deleted) deps.log.info({ ...trimmed }, 'trimmed the build cache');
      })
      .catch((err: unknown) => deps.log.warn({ err, app: d.app }, 'image retention failed'));
  });
  deps.events.on('app.deleted', (app) => {
    deps.metrics?.forget(app.name);
    void setStopped(deps.store, app.name, false).catch(() => undefined);
  });
}
