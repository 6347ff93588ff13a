// domains, domains:add, domains:remove, certs:auto, and the route table.
import type { Context } from '../context.js';
import { segment } from '../http.js';
import type { Handlers } from '../handlers.js';
import { print, printJson, progress, table } from '../output.js';
import type { AppView } from './apps.js';

interface RouteTable { version: number; routes: Record<string, { app: string; upstreams: { host: string; port: number }[]; tls: boolean; sleeping?: boolean }> }

export const handlers: Handlers = {
  async domains(ctx: Context) {
    const app = await ctx.api().get<AppView>(`/apps/${segment(await ctx.app())}`);
    if (ctx.json) return printJson(app.domains);
    print(`${app.name} answers at ${app.url}`);
    if (app.domains.length === 0) return print('No custom domains: deployflow domains:add DOMAIN');
    print(table(['custom domain'], app.domains.map((d) => [d])));
  },

  async 'domains:add'(ctx: Context) {
    const name = await ctx.app();
    const domain = ctx.args[0]!;
    const app = await progress(`Adding ${domain} to ${name}`, () => ctx.api().post<AppView>(`/apps/${segment(name)}/domains`, { domain }));
    if (ctx.json) return printJson(app);
    print(`Point ${domain}'s DNS at the platform; HTTPS: deployflow certs:auto ${domain}`);
  },

  async 'domains:remove'(ctx: Context) {
    const name = await ctx.app();
    const domain = ctx.args[0]!;
    await progress(`Removing ${domain} from ${name}`, () => ctx.api().delete(`/apps/${segment(name)}/domains/${segment(domain)}`));
    if (ctx.json) printJson({ app: name, domain, removed: true });
  },

  async 'certs:auto'(ctx: Context) {
    const name = await ctx.app();
    const domain = ctx.args[0]!;
    const path = `/apps/${segment(name)}/domains/${segment(domain)}/certificate/acme`;
    const cert = await progress(`Obtaining a certificate for ${domain}`, () => ctx.api().post<{ domain: string; issuer: string; notAfter: string | number }>(path));
    if (ctx.json) return printJson(cert);
    print(`${cert.domain}: issued by ${cert.issuer}, valid until ${cert.notAfter}`);
  },

  async routes(ctx: Context) {
    const t = await ctx.api().get<RouteTable>('/routes');
    if (ctx.json) return printJson(t);
    print(`Route table version ${t.version}`);
    print(table(['host', 'app', 'upstreams', 'tls'], Object.entries(t.routes).sort(([a], [b]) => a.localeCompare(b)).map(([host, r]) => [
      host, r.app, r.sleeping ? 'sleeping' : r.upstreams.map((u) => `${u.host}:${u.port}`).join(' ') || '(none)', r.tls ? 'yes' : 'no',
    ])));
  },
};
