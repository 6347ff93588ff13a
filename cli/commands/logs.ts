// logs [--num N] [--tail]: the recent lines of every replica, then (--tail) the live stream until Ctrl-C.
import { stringOption, type Context } from '../context.js';
import { usageError } from '../errors.js';
import { segment } from '../http.js';
import { formatLine, parseTailLine } from '../log-merge.js';
import type { Handlers } from '../handlers.js';
import { print } from '../output.js';

export const handlers: Handlers = {
  async logs(ctx: Context) {
    const numText = stringOption(ctx, 'num') ?? '100';
    if (!/^\d{1,5}$/.test(numText) || Number(numText) < 1 || Number(numText) > 10_000) throw usageError('--num takes 1 to 10000');
    const num = Number(numText);
    const app = await ctx.app();
    const api = ctx.api();
    // --json: one JSON object per line ({replica, line}), the same shape as the live `app:log` events.
    const write = (l: { replica: string; text: string }): void => {
      print(ctx.json ? JSON.stringify({ replica: l.replica, line: l.text }) : formatLine(l));
    };
    if (ctx.options.tail !== true) {
      const text = await api.get<string>(`/apps/${segment(app)}/logs?tail=${num}`);
      for (const raw of (text ?? '').split('\n')) if (raw !== '') write(parseTailLine(raw));
      return;
    }
    const { followAppLogs } = await import('../realtime.js');
    const stop = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await followAppLogs(api, app, num, write, stop);
  },
};
