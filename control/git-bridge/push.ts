// What a git push does: a deployment of the pushed commit through the normal pipeline, its log
// streamed back to the pusher, the branch moved when it goes live (in the app's deploy turn, so
// back-to-back pushes move it in push order), and the push refused (non-zero exit) when the
// deploy fails. A push whose version a later one replaced before it went live is accepted.
import type { PushHandler } from '../../git/index.js';
import { appUrl } from '../apps/urls.js';
import type { ControlDeps } from '../server/deps.js';

export function pushHandler(deps: ControlDeps): PushHandler {
  return async (event, out) => {
    if (!deps.deploy) return { ok: false, message: 'Deploys need the Docker Engine, which is not available' };
    const { deployment, live } = await deps.deploy.enqueue({
      app: event.app,
      origin: 'git',
      commit: event.newCommit,
      ref: event.ref,
      createdBy: event.userId,
      out,
      source: { kind: 'build', spec: { kind: 'git', repo: event.repoPath, commit: event.newCommit } },
      onLive: () => event.publishRef(),
    });
    out(`-----> Deployment ${deployment.id}`);
    // The push ends when the new version serves; the old one drains after that (its lines are in
    // the deployment log, not in the pusher's terminal).
    const final = await live;
    if (final.status === 'superseded') return { ok: true, message: `Superseded: a later push to ${event.app} is live` };
    if (final.status !== 'running') return { ok: false, message: `Deploy failed: ${final.error ?? final.status}` };
    return { ok: true, message: `Deployed to ${appUrl(deps.config, event.app)}` };
  };
}
