// basic-auth at the gateway: checks `Authorization: Basic …` against the scrypt hashes the
// route carries. A successful check is remembered for a minute (keyed by a SHA-256 of the header
// and never the password itself), so a signed-in browser costs a hash lookup, not a scrypt, per
// request; failures are not remembered, so each wrong guess costs the guesser a full check.
// A keep-alive connection that already showed the same header within that minute skips even the
// hash: its last good header is kept beside the connection (a WeakMap entry, gone with it) — the
// bytes that connection itself carries, for no longer than it lives or the minute lasts.
import { hash as digest } from 'node:crypto';
import { verifyPassword } from '../../../common/plugins/password.js';
import type { BasicAuthStored } from '../../../common/plugins/builtins/basic-auth.js';
import type { GatewayPlugin, PluginAnswer, PluginRequest } from '../types.js';

const REMEMBER_MS = 60_000;
const REMEMBERED_MAX = 1024;

export const basicAuth: GatewayPlugin = {
  name: 'basic-auth',
  create(config) {
    const c = config as unknown as BasicAuthStored;
    const users = new Map(Object.entries(c.users ?? {}));
    const realm = c.realm ?? 'Restricted';
    const challenge: PluginAnswer = {
      status: 401,
      headers: { 'www-authenticate': `Basic realm="${realm}", charset="UTF-8"`, 'content-type': 'application/json' },
      body: JSON.stringify({ error: { code: 'DF_ERR_UNAUTHENTICATED', message: 'Authentication required' } }),
    };
    const remembered = new Map<string, number>();
    const connections = new WeakMap<object, { header: string; until: number }>();

    /** Remembers a good header's hash; returns until when. */
    const remember = (key: string): number => {
      if (remembered.size >= REMEMBERED_MAX) remembered.delete(remembered.keys().next().value!);
      const until = Date.now() + REMEMBER_MS;
      remembered.set(key, until);
      return until;
    };

    return {
      onRequest(req: PluginRequest) {
        const header = req.headers.get('authorization');
        if (header === undefined || header.length > 1024 || !/^basic /i.test(header)) return challenge;
        const now = Date.now();
        const seen = connections.get(req.connection);
        if (seen !== undefined && seen.header === header && seen.until > now) return undefined;
        const key = digest('sha256', header, 'base64'); // one-shot: a third of createHash's cost
        const until = remembered.get(key);
        if (until !== undefined) {
          if (until > now) {
            connections.set(req.connection, { header, until });
            return undefined;
          }
          remembered.delete(key);
        }
        const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon <= 0) return challenge;
        const hash = users.get(decoded.slice(0, colon));
        if (hash === undefined) return challenge;
        return verifyPassword(decoded.slice(colon + 1), hash).then((ok) => {
          if (!ok) return challenge;
          connections.set(req.connection, { header, until: remember(key) });
          return undefined;
        });
      },
    };
  },
};
