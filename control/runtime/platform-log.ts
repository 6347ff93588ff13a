// Lines DeployFlow itself writes into an app's runtime log, beside what its containers print:
// things that happened to the app outside a deploy (a wake that failed) and that its owner looks
// for in the log. Kept in the store (the last 50 per app, so every control instance and a restart
// show them), added after the replicas' lines in the log tail under the replica name `deployflow`
// (the runtimes' tails carry no timestamps to merge by), and sent live to open log views as an
// `app.log` event.
import type { Store } from '../store/types.js';
import type { ControlEventBus } from '../server/events.js';

export const PLATFORM_REPLICA = 'deployflow';
const KEEP = 50;

export interface PlatformLine {
  at: number;
  line: string;
}

const key = (app: string): string => `app.platform-log:${app}`;

export async function platformLines(store: Store, app: string): Promise<PlatformLine[]> {
  return (await store.settings.get<PlatformLine[]>(key(app))) ?? [];
}

export async function writePlatformLine(
  deps: { store: Store; events: ControlEventBus },
  app: string,
  line: string,
  at: number,
): Promise<void> {
  const kept = [...(await platformLines(deps.store, app)), { at, line }].slice(-KEEP);
  await deps.store.settings.set(key(app), kept);
  deps.events.emit('app.log', { app, replica: PLATFORM_REPLICA, line, at, stream: 'stderr' });
}

export async function forgetPlatformLines(store: Store, app: string): Promise<void> {
  await store.settings.set(key(app), null);
}
