// A second process for test/instances-coordination.test.ts: one "instance" holding a fenced lock,
// a ticket or a leader lease on the test's Redis, reporting what happens as JSON lines on stdout.
// The test pauses (SIGSTOP), resumes (SIGCONT) or kills (SIGKILL) it like a real instance.
import { Redis } from 'ioredis';
import { FencedLocks, LeaderLease, TicketQueues } from '../../common/coordination/index.js';
import { createRoutePublisher } from '../../common/routes/index.js';

const [mode, url, arg] = process.argv.slice(2) as [string, string, string | undefined];
const redis = new Redis(url, { maxRetriesPerRequest: 1 });
const say = (msg: object): void => {
  process.stdout.write(JSON.stringify(msg) + '\n');
};

if (mode === 'lock') {
  // Takes the app's lock, says so, and on each line of stdin tries one route write under it.
  const ttlMs = Number(arg ?? 1000);
  const locks = new FencedLocks(redis, { ttlMs, onLost: () => say({ lost: true }) });
  await locks.run('app:fenced', async (fence) => {
    const routes = createRoutePublisher(redis, (app) => (app === 'fenced' ? fence : null));
    say({ held: fence.token });
    for await (const line of process.stdin) {
      const port = Number(String(line).trim());
      try {
        await routes.setAppRoutes('fenced', ['fenced.paas.local'], [{ host: '127.0.0.1', port }]);
        say({ wrote: port });
      } catch (err) {
        say({ refused: port, code: (err as { code?: string }).code ?? String(err) });
      }
    }
  });
} else if (mode === 'ticket') {
  const tickets = new TicketQueues(redis, { ttlMs: Number(arg ?? 1000) });
  const t = await tickets.take('push:shared', `child-${process.pid}`);
  say({ seq: t.seq, ahead: t.ahead });
  await t.ready;
  say({ turn: t.seq });
  await new Promise(() => undefined); // holds the turn until killed
} else if (mode === 'leader') {
  const lease = new LeaderLease(
    redis,
    'reconciler',
    {
      lead: () => say({ leading: true, at: Date.now() }),
      follow: () => say({ leading: false, at: Date.now() }),
    },
    { ttlMs: Number(arg ?? 10_000), id: `child-${process.pid}` },
  );
  lease.start();
  say({ started: lease.id });
} else {
  say({ error: `unknown mode ${mode}` });
  process.exit(2);
}
