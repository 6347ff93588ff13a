// ps and the day-two operations: scale, restart, stop, start (each answers the app's status).
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { segment } from '../http.js';
import type { Handlers } from '../handlers.js';
import { print, printJson, progress, table } from '../output.js';

interface StatusView {
  state: string;
  replicas: { name: string; deploymentId: string; state: string; healthy?: boolean; hostPort: number | null }[];
  deployment: { id: string; status: string; image: string | null; commit: string | null; createdAt: number } | null;
}

function showStatus(ctx: Context, app: string, status: StatusView): void {
  if (ctx.json) return printJson(status);
  const serving = status.deployment
    ? ` (deployment ${status.deployment.id.slice(0, 8)}${status.deployment.commit ? `, ${status.deployment.commit.slice(0, 7)}` : ''})`
    : '';
  print(`${app}: ${status.state}${serving}`);
  if (status.replicas.length === 0) return;
  print(
    table(
      ['replica', 'state', 'health', 'port'],
      status.replicas.map((r) => [r.name, r.state, r.healthy === undefined ? '' : r.healthy ? 'healthy' : 'unhealthy', r.hostPort]),
    ),
  );
}

/** `web=3` or `3`: DeployFlow runs one process type, `web`. */
export function parseScale(arg: string): number {
  const match = /^(?:web=)?(\d{1,3})$/.exec(arg);
  if (!match) throw usageError(`${arg}: give web=N or N (DeployFlow apps have one process type, web)`);
  return Number(match[1]);
}

const operation =
  (path: string, label: string): ((ctx: Context) => Promise<void>) =>
  async (ctx) => {
    const app = await ctx.app();
    const status = await progress(`${label} ${app}`, () => ctx.api().post<StatusView>(`/apps/${segment(app)}/${path}`));
    showStatus(ctx, app, status);
  };

export const handlers: Handlers = {
  async ps(ctx: Context) {
    const app = await ctx.app();
    showStatus(ctx, app, await ctx.api().get<StatusView>(`/apps/${segment(app)}/status`));
  },

  async 'ps:scale'(ctx: Context) {
    const replicas = parseScale(ctx.args[0]!);
    const app = await ctx.app();
    const status = await progress(`Scaling ${app} to ${replicas}`, () =>
      ctx.api().post<StatusView>(`/apps/${segment(app)}/scale`, { replicas }),
    );
    showStatus(ctx, app, status);
  },

  'ps:restart': operation('restart', 'Restarting'),
  'ps:stop': operation('stop', 'Stopping'),
  'ps:start': operation('start', 'Starting'),
};
