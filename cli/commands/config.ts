// config, config:get, config:set, config:unset: env vars, merged like `heroku config:set`.
import type { Context } from '../context.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { segment } from '../http.js';
import type { Handlers } from '../handlers.js';
import { heading, keyValues, print, printJson, progress } from '../output.js';

interface EnvView {
  vars: Record<string, string>;
  masked: boolean;
}

const envPath = async (ctx: Context): Promise<string> => `/apps/${segment(await ctx.app())}/env`;

export const handlers: Handlers = {
  async config(ctx: Context) {
    const app = await ctx.app();
    const env = await ctx.api().get<EnvView>(`/apps/${segment(app)}/env`);
    if (ctx.json) return printJson(env);
    print(heading(`${app} Config Vars${env.masked ? ' (values masked)' : ''}`));
    const keys = Object.keys(env.vars).sort();
    if (keys.length > 0) print(keyValues(keys.map((k) => [k, env.vars[k]!])));
  },

  async 'config:get'(ctx: Context) {
    const key = ctx.args[0]!;
    const env = await ctx.api().get<EnvView>(await envPath(ctx));
    if (!Object.hasOwn(env.vars, key)) throw new CliError('DF_ERR_NOT_FOUND', `No env var ${key}`, EXIT.notFound);
    if (ctx.json) printJson(env.vars[key]);
    else print(env.vars[key]);
  },

  async 'config:set'(ctx: Context) {
    const vars: Record<string, string> = {};
    for (const pair of ctx.args) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw usageError(`${pair} is not KEY=VALUE`);
      vars[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const path = await envPath(ctx);
    const answer = await progress(`Setting ${Object.keys(vars).join(', ')}`, () => ctx.api().put<{ keys: string[] }>(path, { vars }));
    if (ctx.json) return printJson(answer);
    print('Applied at the next deploy: deployflow deploy (re-releases the running image with the new config)');
  },

  async 'config:unset'(ctx: Context) {
    const vars = Object.fromEntries(ctx.args.map((k) => [k, null]));
    const path = await envPath(ctx);
    const answer = await progress(`Unsetting ${ctx.args.join(', ')}`, () => ctx.api().put<{ keys: string[] }>(path, { vars }));
    if (ctx.json) printJson(answer);
  },
};
