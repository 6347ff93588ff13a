// Room names and the subscribe payloads, parsed strictly: a client names a deployment or an app
// stream, and nothing it sends ever becomes a room name before it has been validated.
import { z } from 'zod';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { parseAppName } from '../../common/names/validate.js';

/** `status` carries every deployment status change of the app (an extension of the contract's two). */
export type AppStream = 'logs' | 'metrics' | 'status';

export type Subscription =
  | { kind: 'deployment'; deploymentId: string; offset: number | null }
  | { kind: 'app'; app: string; stream: AppStream };

const DeploymentSub = z.strictObject({
  deploymentId: z.string().regex(/^[0-9a-f-]{36}$/, 'must be a deployment id'),
  /** Index of the first log line the client does not have yet; the server replays from there. */
  offset: z.number().int().min(0).max(10_000_000).optional(),
});
const AppSub = z.strictObject({ app: z.string().max(63), stream: z.enum(['logs', 'metrics', 'status']) });

export function parseSubscription(payload: unknown): Subscription {
  const dep = DeploymentSub.safeParse(payload);
  if (dep.success) return { kind: 'deployment', deploymentId: dep.data.deploymentId, offset: dep.data.offset ?? null };
  const app = AppSub.safeParse(payload);
  if (app.success) return { kind: 'app', app: parseAppName(app.data.app), stream: app.data.stream };
  throw new DeployFlowError('DF_ERR_VALIDATION', 'subscribe takes {deploymentId, offset?} or {app, stream: "logs"|"metrics"|"status"}');
}

export const deploymentRoom = (id: string): string => `deployment:${id}`;
export const appRoom = (app: string, stream: AppStream): string => `app:${app}:${stream}`;
export const userRoom = (userId: string): string => `user:${userId}`;

export function roomOf(sub: Subscription): string {
  return sub.kind === 'deployment' ? deploymentRoom(sub.deploymentId) : appRoom(sub.app, sub.stream);
}
