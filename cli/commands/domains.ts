// domains, domains:add, domains:verify, domains:remove, certs:auto, and the route table. A custom
// domain a user adds may wait for proof of ownership: the API answers it pending with a TXT record
// to create, and domains:verify asks the platform to look that record up.
import type { Context } from '../context.js';
import { segment } from '../http.js';
import type { Handlers } from '../handlers.js';
import { print, printJson, progress, table } from '../output.js';
import type { AppView } from './apps.js';

interface PendingDomain {
  domain: string;
  state: 'pending';
  record: { type: 'TXT'; name: string; value: string };
  createdAt: number;
}

const isPending = (answer: AppView | PendingDomain): answer is PendingDomain => (answer as PendingDomain).state === 'pending';

/** What to do with a pending domain, in the words and order a user acts on them. */
function pendingSteps(p: PendingDomain): string[] {
  return [
    `${p.domain} is pending: prove you own it with this DNS record at the domain's DNS provider`,
    `  ${p.record.type} ${p.record.name}`,
    `  value: ${p.record.value}`,
    `then, once DNS answers it: deployflow domains:verify ${p.domain}`,
  ];
}

interface RouteTable {
  version: number;
  routes: Record<string, { app: string; upstreams: { host: string; port: number }[]; tls: boolean; sleeping?: boolean }>;
}

export const handlers: Handlers = {
  async domains(ctx: Context) {
    const app = await ctx.api().get<AppView>(`/apps/${segment(await ctx.app())}`);
    const pending = await ctx.api().get<PendingDomain[]>(`/apps/${segment(app.name)}/domains/pending`);
    if (ctx.json) return printJson(app.domains);
    print(`${app.name} answers at ${app.url}`);
    if (app.domains.length === 0 && pending.length === 0) return print('No custom domains: deployflow domains:add DOMAIN');
    print(
      table(
        ['custom domain', 'state'],
        [...app.domains.map((d) => [d, 'routed']), ...pending.map((p) => [p.domain, `pending: TXT ${p.record.name} "${p.record.value}"`])],
      ),
    );
  },

  async 'domains:add'(ctx: Context) {
    const name = await ctx.app();
    const domain = ctx.args[0]!;
    const path = `/apps/${segment(name)}/domains`;
    const answer = await progress(`Adding ${domain} to ${name}`, () => ctx.api().post<AppView | PendingDomain>(path, { domain }));
    if (ctx.json) return printJson(answer);
    if (isPending(answer)) return print(pendingSteps(answer).join('\n'));
    print(`Point ${domain}'s DNS at the platform; HTTPS: deployflow certs:auto ${domain}`);
  },

  async 'domains:verify'(ctx: Context) {
    const name = await ctx.app();
    const domain = ctx.args[0]!;
    const path = `/apps/${segment(name)}/domains/${segment(domain)}/verify`;
    const app = await progress(`Looking up the TXT record of ${domain}`, () => ctx.api().post<AppView>(path));
    if (ctx.json) return printJson(app);
    print(`${domain} is verified and routed to ${name}. Point its DNS at the platform; HTTPS: deployflow certs:auto ${domain}`);
  },

  async 'domains:remove'(ctx: Context) {
    const name = await ctx.app();
    const domain = ctx.args[0]!;
    // A pending domain is withdrawn; a routed one leaves the app.
    const pending = await ctx.api().get<PendingDomain[]>(`/apps/${segment(name)}/domains/pending`);
    const path = pending.some((p) => p.domain === domain.toLowerCase())
      ? `/apps/${segment(name)}/domains/pending/${segment(domain)}`
      : `/apps/${segment(name)}/domains/${segment(domain)}`;
    await progress(`Removing ${domain} from ${name}`, () => ctx.api().delete(path));
    if (ctx.json) printJson({ app: name, domain, removed: true });
  },

  async 'certs:auto'(ctx: Context) {
    const name = await ctx.app();
    const domain = ctx.args[0]!;
    const path = `/apps/${segment(name)}/domains/${segment(domain)}/certificate/acme`;
    const cert = await progress(`Obtaining a certificate for ${domain}`, () =>
      ctx.api().post<{ domain: string; issuer: string; notAfter: string | number }>(path),
    );
    if (ctx.json) return printJson(cert);
    print(`${cert.domain}: issued by ${cert.issuer}, valid until ${cert.notAfter}`);
  },

  async routes(ctx: Context) {
    const t = await ctx.api().get<RouteTable>('/routes');
    if (ctx.json) return printJson(t);
    print(`Route table version ${t.version}`);
    print(
      table(
        ['host', 'app', 'upstreams', 'tls'],
        Object.entries(t.routes)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([host, r]) => [
            host,
            r.app,
            r.sleeping ? 'sleeping' : r.upstreams.map((u) => `${u.host}:${u.port}`).join(' ') || '(none)',
            r.tls ? 'yes' : 'no',
          ]),
      ),
    );
  },
};
