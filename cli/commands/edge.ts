// Edge settings of an app (PATCH /apps/:name): scale to zero, autoscaling and the plugin chain.
import { stringOption, type Context } from '../context.js';
import { usageError } from '../errors.js';
import { segment } from '../http.js';
import type { Handlers } from '../handlers.js';
import { keyValues, print, printJson, progress, table } from '../output.js';

interface EdgeView {
  name: string;
  scaleToZero: { idleSeconds: number };
  autoscale: { minReplicas: number; maxReplicas: number; target: Record<string, number> } | null;
  plugins: { name: string; config: Record<string, unknown> }[];
}

async function change(ctx: Context, label: string, body: Record<string, unknown>): Promise<EdgeView> {
  const app = await ctx.app();
  return progress(`${label} for ${app}`, () => ctx.api().patch<EdgeView>(`/apps/${segment(app)}`, body));
}

async function current(ctx: Context): Promise<EdgeView> {
  return ctx.api().get<EdgeView>(`/apps/${segment(await ctx.app())}`);
}

function positiveNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw usageError(`--${name} takes a number`);
  return n;
}

function showAutoscale(app: EdgeView): void {
  const a = app.autoscale;
  if (!a) return print(`${app.name}: autoscaling off`);
  const target = Object.entries(a.target)
    .map(([k, v]) => `${v} ${k} per replica`)
    .join(', ');
  print(
    keyValues([
      ['Min replicas', a.minReplicas],
      ['Max replicas', a.maxReplicas],
      ['Target', target],
    ]),
  );
}

export const handlers: Handlers = {
  async 'edge:sleep'(ctx: Context) {
    const given = ctx.args[0];
    if (given !== undefined && given !== 'off' && !/^\d{1,6}$/.test(given)) throw usageError('edge:sleep takes SECONDS or off');
    const app =
      given === undefined
        ? await current(ctx)
        : await change(ctx, 'Setting scale to zero', { scaleToZero: { idleSeconds: given === 'off' ? 0 : Number(given) } });
    if (ctx.json) return printJson(app.scaleToZero);
    const idle = app.scaleToZero.idleSeconds;
    print(idle === 0 ? `${app.name}: never sleeps` : `${app.name}: sleeps after ${idle} s without a request, wakes on the next`);
  },

  async 'edge:autoscale'(ctx: Context) {
    const [min, max, rps, inflight] = ['min', 'max', 'rps', 'inflight'].map((o) => positiveNumber(o, stringOption(ctx, o)));
    const setting = min !== undefined || max !== undefined || rps !== undefined || inflight !== undefined;
    if (ctx.args[0] !== undefined && ctx.args[0] !== 'off')
      throw usageError('edge:autoscale takes off, or --min N --max N and --rps N or --inflight N');
    let app: EdgeView;
    if (ctx.args[0] === 'off') {
      app = await change(ctx, 'Turning autoscaling off', { autoscale: null });
    } else if (setting) {
      if (min === undefined || max === undefined || (rps === undefined) === (inflight === undefined)) {
        throw usageError('edge:autoscale needs --min N --max N and one of --rps N, --inflight N');
      }
      const target = rps !== undefined ? { rps } : { inflight };
      app = await change(ctx, 'Setting autoscaling', { autoscale: { minReplicas: min, maxReplicas: max, target } });
    } else {
      app = await current(ctx);
    }
    if (ctx.json) return printJson(app.autoscale);
    showAutoscale(app);
  },

  async 'edge:plugins'(ctx: Context) {
    const set = stringOption(ctx, 'set');
    let app: EdgeView;
    if (set !== undefined) {
      let plugins: unknown;
      try {
        plugins = JSON.parse(set);
      } catch {
        throw usageError('--set takes a JSON array, e.g. [{"name":"cors","config":{}}]');
      }
      if (!Array.isArray(plugins)) throw usageError('--set takes a JSON array');
      app = await change(ctx, 'Setting the plugin chain', { plugins });
    } else {
      app = await current(ctx);
    }
    if (ctx.json) return printJson(app.plugins);
    if (app.plugins.length === 0) return print(`${app.name}: no edge plugins`);
    print(
      table(
        ['#', 'plugin', 'config'],
        app.plugins.map((p, i) => [i + 1, p.name, JSON.stringify(p.config)]),
      ),
    );
  },
};
