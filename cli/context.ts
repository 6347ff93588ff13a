// What a command handler gets: its parsed arguments, and the API client and app name it needs,
// resolved only when asked (a command that needs no token never reads the credentials).
import { platformUrl, requireToken } from './credentials.js';
import { usageError } from './errors.js';
import { appOfRemoteUrl, remoteUrl } from './git.js';
import { Api } from './http.js';
import type { CommandSpec } from './registry.js';

export type OptionValue = string | boolean | string[] | undefined;

export interface Context {
  spec: CommandSpec;
  args: string[];
  options: Record<string, OptionValue>;
  json: boolean;
  /** A client with the token: exits 3 when there is none. */
  api(): Api;
  /** The app the command acts on: -a/--app, DEPLOYFLOW_APP, else the checkout's `deployflow` remote. */
  app(): Promise<string>;
}

export function createContext(spec: CommandSpec, args: string[], options: Record<string, OptionValue>): Context {
  return {
    spec,
    args,
    options,
    json: options.json === true,
    api: () => new Api({ url: platformUrl(), token: requireToken() }),
    app: async () => {
      const named = typeof options.app === 'string' ? options.app : process.env.DEPLOYFLOW_APP;
      if (named) return named;
      const url = await remoteUrl();
      const fromRemote = url ? appOfRemoteUrl(url) : null;
      if (fromRemote) return fromRemote;
      throw usageError(`Which app? Name it with -a APP, or run ${spec.name} inside a git checkout with a \`deployflow\` remote`);
    },
  };
}

export const stringOption = (ctx: Context, name: string): string | undefined => {
  const value = ctx.options[name];
  return typeof value === 'string' ? value : undefined;
};
