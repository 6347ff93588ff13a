// The "stopped by its owner" flag. A stopped app keeps its record, image and (stopped)
// containers; the reconciler must not bring it back, so the flag is stored, not inferred from
// Docker. A new deploy clears it (see hooks.ts), as a push to a stopped Heroku app starts it.
import type { Store } from '../store/types.js';

const key = (app: string): string => `app.stopped:${app}`;

export async function isStopped(store: Store, app: string): Promise<boolean> {
  return (await store.settings.get<boolean>(key(app))) === true;
}

export async function setStopped(store: Store, app: string, stopped: boolean): Promise<void> {
  await store.settings.set(key(app), stopped);
}
