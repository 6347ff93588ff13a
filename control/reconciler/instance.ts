// This platform instance's identity, kept in the store so a restarted control (same store)
// is the same instance. Containers carry it as a label: the reconciler removes orphans only
// among its own containers, never another DeployFlow's (or another test's) on the same Docker.
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/types.js';

export const LABEL_INSTANCE = 'deployflow.instance';
const KEY = 'platform.instanceId';

export async function platformInstanceId(store: Store): Promise<string> {
  const existing = await store.settings.get<string>(KEY);
  if (typeof existing === 'string' && /^[0-9a-f-]{36}$/.test(existing)) return existing;
  const id = randomUUID();
  await store.settings.set(KEY, id);
  return id;
}
