// API tokens, SSH keys and an app's collaborators.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Context } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { segment } from '../http.js';
import type { Handlers } from '../handlers.js';
import { formatTime, print, printJson, progress, table } from '../output.js';
import type { AppView } from './apps.js';

interface TokenView {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}
interface KeyView {
  id: string;
  name: string;
  fingerprint: string;
  createdAt: number;
}
interface UserView {
  id: string;
  email: string;
}

function readKeyFile(given: string | undefined): { file: string; key: string } {
  const candidates = given ? [given] : ['id_ed25519.pub', 'id_ecdsa.pub', 'id_rsa.pub'].map((f) => path.join(os.homedir(), '.ssh', f));
  for (const file of candidates) {
    try {
      return { file, key: fs.readFileSync(file, 'utf8').trim() };
    } catch {
      // the next candidate
    }
  }
  throw new CliError(
    'DF_ERR_NOT_FOUND',
    given ? `Cannot read ${given}` : 'No public key in ~/.ssh (id_ed25519.pub, id_ecdsa.pub, id_rsa.pub): give FILE',
    EXIT.notFound,
  );
}

export const handlers: Handlers = {
  async tokens(ctx: Context) {
    const list = await ctx.api().get<TokenView[]>('/tokens');
    if (ctx.json) return printJson(list);
    print(
      table(
        ['id', 'name', 'created', 'last used'],
        list.map((t) => [t.id, t.name, formatTime(t.createdAt), formatTime(t.lastUsedAt)]),
      ),
    );
  },

  async 'tokens:create'(ctx: Context) {
    const created = await ctx
      .api()
      .post<TokenView & { token: string }>('/tokens', { name: ctx.args[0] ?? `deployflow CLI on ${os.hostname()}` });
    if (ctx.json) return printJson(created);
    print(created.token);
    process.stderr.write(`Token ${created.id} (${created.name}): shown only now. Use it as DEPLOYFLOW_TOKEN or the git HTTP password.\n`);
  },

  async 'tokens:revoke'(ctx: Context) {
    const id = ctx.args[0]!;
    await progress(`Revoking token ${id}`, () => ctx.api().delete(`/tokens/${segment(id)}`));
    if (ctx.json) printJson({ id, revoked: true });
  },

  async keys(ctx: Context) {
    const list = await ctx.api().get<KeyView[]>('/keys');
    if (ctx.json) return printJson(list);
    print(
      table(
        ['id', 'name', 'fingerprint', 'added'],
        list.map((k) => [k.id, k.name, k.fingerprint, formatTime(k.createdAt)]),
      ),
    );
  },

  async 'keys:add'(ctx: Context) {
    const { file, key } = readKeyFile(ctx.args[0]);
    const added = await progress(`Adding ${file}`, () => ctx.api().post<KeyView>('/keys', { publicKey: key }));
    if (ctx.json) return printJson(added);
    print(`${added.fingerprint} ${added.name}`);
  },

  async 'keys:remove'(ctx: Context) {
    const id = ctx.args[0]!;
    await progress(`Removing key ${id}`, () => ctx.api().delete(`/keys/${segment(id)}`));
    if (ctx.json) printJson({ id, removed: true });
  },

  async collaborators(ctx: Context) {
    const api = ctx.api();
    const app = await api.get<AppView>(`/apps/${segment(await ctx.app())}`);
    if (ctx.json) return printJson({ ownerId: app.ownerId, ownerKind: app.ownerKind ?? 'user', collaboratorIds: app.collaboratorIds });
    // The owner (or an admin) reads the collaborators' addresses; admins also every user's; others see ids and their own e-mail.
    const users = [
      ...(await api.get<UserView[]>('/users').catch(() => [] as UserView[])),
      ...(await api.get<UserView[]>(`/apps/${segment(app.name)}/collaborators`).catch(() => [] as UserView[])),
    ];
    const me = await api.get<UserView>('/auth/me');
    const email = (id: string): string => users.find((u) => u.id === id)?.email ?? (id === me.id ? me.email : '');
    // A team's app: the owner row names the team.
    const team = app.ownerKind === 'team' ? await api.get<{ name: string }>(`/apps/${segment(app.name)}/owner`).catch(() => null) : null;
    print(
      table(
        ['role', 'user id', 'email'],
        [
          team ? ['owner (team)', app.ownerId, team.name] : ['owner', app.ownerId, email(app.ownerId)],
          ...app.collaboratorIds.map((id) => ['collaborator', id, email(id)]),
        ],
      ),
    );
  },

  async 'collaborators:add'(ctx: Context) {
    const name = await ctx.app();
    const email = ctx.args[0]!;
    // An invitation, whether or not the address has an account: they join when they accept it.
    const sent = await progress(`Inviting ${email} to ${name}`, () =>
      ctx.api().post<{ message: string; url: string | null }>(`/apps/${segment(name)}/collaborators`, { email }),
    );
    if (ctx.json) return printJson(sent);
    print(sent.message);
    if (sent.url) print(sent.url);
  },

  async 'collaborators:remove'(ctx: Context) {
    const name = await ctx.app();
    const given = ctx.args[0]!;
    const api = ctx.api();
    // An e-mail is looked up among the app's collaborators (the owner or an admin may read them).
    let id = given;
    if (given.includes('@')) {
      const users = await api.get<UserView[]>(`/apps/${segment(name)}/collaborators`);
      const found = users.find((u) => u.email.toLowerCase() === given.toLowerCase());
      if (!found) throw new CliError('DF_ERR_NOT_FOUND', `${given} is not a collaborator of ${name}`, EXIT.notFound);
      id = found.id;
    }
    await progress(`Removing ${given} from ${name}`, () => api.delete(`/apps/${segment(name)}/collaborators/${segment(id)}`));
    if (ctx.json) printJson({ app: name, userId: id, removed: true });
  },
};
