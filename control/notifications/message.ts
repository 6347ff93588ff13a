// What a deployment status change means to a person, as pure functions.
import type { Config } from '../../common/config/config.js';
import { appUrl } from '../apps/urls.js';
import type { Deployment, NotificationKind } from '../store/types.js';

const IMAGE_SOURCES: Deployment['source'][] = ['image', 'redeploy', 'rollback'];

/**
 * A deploy starts when it leaves the queue: `building` for code, `deploying` for a ready image
 * (a build's own `deploying` step is the same deploy going on, not a new start).
 */
export function kindOf(d: Deployment): NotificationKind | null {
  if (d.status === 'building') return 'deploy.started';
  if (d.status === 'deploying' && IMAGE_SOURCES.includes(d.source)) return 'deploy.started';
  if (d.status === 'running') return 'deploy.succeeded';
  if (d.status === 'failed') return 'deploy.failed';
  return null;
}

export function messageOf(kind: NotificationKind, d: Deployment, config: Config): string {
  const what = d.source === 'rollback' ? 'rollback' : 'deploy';
  const commit = d.commit ? ` (${d.commit.slice(0, 7)})` : '';
  if (kind === 'deploy.started') return `${d.app}: ${what}${commit} started`;
  if (kind === 'deploy.succeeded') return `${d.app}: ${what}${commit} succeeded, live at ${appUrl(config, d.app)}`;
  return `${d.app}: ${what}${commit} failed: ${d.error ?? 'unknown error'}`;
}
