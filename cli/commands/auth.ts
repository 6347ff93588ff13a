// login, logout, whoami. Login trades e-mail and password for a session, uses it to create an API
// token named after this machine, ends the session and stores only the token.
import os from 'node:os';
import type { Context } from '../context.js';
import { stringOption } from '../context.js';
import { platformUrl, readStored, removeStored, requireToken, writeStored, credentialsPath } from '../credentials.js';
import { CliError, EXIT } from '../errors.js';
import { Api } from '../http.js';
import type { Handlers } from '../handlers.js';
import { print, printJson, progress } from '../output.js';
import { prompter } from '../prompt.js';

interface UserView {
  id: string;
  email: string;
  name: string;
  role: string;
}
interface Session {
  user: UserView;
  accessToken: string;
  refreshToken: string;
}
interface CreatedToken {
  id: string;
  name: string;
  token: string;
}

async function loginWithPassword(api: Api): Promise<{ token: string; tokenId: string; user: UserView }> {
  const ask = prompter();
  try {
    let email: string;
    let password: string;
    try {
      email = await ask.ask('Email: ');
      password = await ask.ask('Password: ', true);
    } catch {
      throw new CliError('DF_ERR_VALIDATION', 'Login needs an e-mail and a password (or --token TOKEN)', EXIT.usage);
    }
    let session: Session;
    try {
      session = await progress('Logging in', () => api.post<Session>('/auth/login', { email, password }));
    } catch (err) {
      if (!(err instanceof CliError) || err.code !== 'DF_ERR_SECOND_FACTOR_REQUIRED') throw err;
      // Two-factor sign-in is on for this account: the same request again, with the code.
      const code = await ask.ask('Two-factor code: ').catch(() => {
        throw new CliError('DF_ERR_VALIDATION', 'This account needs a two-factor code', EXIT.usage);
      });
      session = await progress('Logging in', () => api.post<Session>('/auth/login', { email, password, code }));
    }
    const signedIn = api.withToken(session.accessToken);
    const created = await signedIn.post<CreatedToken>('/tokens', { name: `deployflow CLI on ${os.hostname()}`.slice(0, 100) });
    // The CLI keeps the API token only: the password session ends now.
    await signedIn.post('/auth/logout', { refreshToken: session.refreshToken }).catch(() => undefined);
    return { token: created.token, tokenId: created.id, user: session.user };
  } finally {
    ask.close();
  }
}

export const handlers: Handlers = {
  async login(ctx: Context) {
    const url = (stringOption(ctx, 'url') ?? platformUrl()).replace(/\/+$/, '');
    const api = new Api({ url });
    const given = stringOption(ctx, 'token');
    let stored: { token: string; tokenId?: string; user: UserView };
    if (given) {
      // Checked before it is stored: a mistyped token is refused now, not at the next command.
      stored = { token: given, user: await api.withToken(given).get<UserView>('/auth/me') };
    } else {
      stored = await loginWithPassword(api);
    }
    writeStored({ url, token: stored.token, ...(stored.tokenId ? { tokenId: stored.tokenId } : {}), email: stored.user.email });
    if (ctx.json) printJson(stored.user);
    else print(`Logged in to ${url} as ${stored.user.email}`);
  },

  async logout(ctx: Context) {
    const stored = readStored();
    if (stored?.tokenId) {
      // Best effort: the token the CLI created goes with the login; the stored copy is removed anyway.
      await new Api({ url: stored.url, token: stored.token })
        .delete(`/tokens/${encodeURIComponent(stored.tokenId)}`)
        .catch(() => undefined);
    }
    const removed = removeStored();
    if (ctx.json) printJson({ loggedOut: removed });
    else print(removed ? `Logged out (removed ${credentialsPath()})` : 'Not logged in');
  },

  async whoami(ctx: Context) {
    requireToken();
    const user = await ctx.api().get<UserView>('/auth/me');
    if (ctx.json) printJson(user);
    else print(user.email);
  },
};
