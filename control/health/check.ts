// /health: can this control instance serve? The store must answer; Redis and Docker are
// reported (so an operator sees what is down) and degrade the status without failing it,
// because auth, apps and env keep working without them.
import type { ControlDeps } from '../server/deps.js';

type Part = 'ok' | 'down' | 'not-configured';

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}

async function probe(check: (() => Promise<unknown>) | null): Promise<Part> {
  if (!check) return 'not-configured';
  try {
    await within(2000, check());
    return 'ok';
  } catch {
    return 'down';
  }
}

export async function health(deps: ControlDeps): Promise<{ httpStatus: number; body: Record<string, unknown> }> {
  const [store, redis, docker] = await Promise.all([
    probe(async () => {
      if (!(await deps.store.ping())) throw new Error('store');
    }),
    probe(deps.redis ? () => deps.redis!.ping() : null),
    probe(deps.docker ? () => deps.docker!.ping() : null),
  ]);
  const degraded = redis === 'down' || docker === 'down';
  const status = store !== 'ok' ? 'down' : degraded ? 'degraded' : 'ok';
  return {
    httpStatus: store === 'ok' ? 200 : 503,
    body: { status, store: { status: store, backend: deps.store.backend }, redis, docker },
  };
}
