// What a git push does: a deployment of the pushed commit through the normal pipeline, its log
// streamed back to the pusher, and the push refused (non-zero exit) when the deploy fails.
import type { PushHandler } from '../../git/index.js';
import { appUrl } from '../apps/urls.js';
import type { ControlDeps } from '../server/deps.js';

export function pushHandler(deps: ControlDeps): PushHandler {
  return async (event, out) => {
    if (!deps.deploy) return { ok: false, message: 'Deploys need the Docker Engine, which is not available' };
    const { deployment, live } = await deps.deploy.enqueue({
      app: event.app, origin: 'git', commit: event.newCommit, ref: event.ref, createdBy: event.userId, out,
      // The pushed objects are still quarantined while the pre-receive hook runs.
      source: { kind: 'build', spec: { kind: 'git', repo: event.repoPath, commit: event.newCommit, env: event.gitEnv } },
    });
    out(`-----> Deployment ${deployment.id}`);
    // The push ends when the new version serves; the old one drains after that (its lines are in
    // the deployment log, not in the pusher's terminal).
    const final = await live;
    if (final.status !== 'running') return { ok: false, message: `Deploy failed: ${final.error ?? final.status}` };
    return { ok: true, message: `Deployed to ${appUrl(deps.config, event.app)}` };
  };
}
