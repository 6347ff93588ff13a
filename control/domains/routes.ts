// Custom domains: an app answers on every domain added to it (through the gateway and the
// resolver), a domain belongs to one app only, and the platform's own domain is off limits.
// Certificates for a custom domain can be uploaded or obtained by ACME (acme.ts); without one the
// gateway serves the platform's certificate (its local CA signs names under the domain only).
import { z } from 'zod';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { parseDomain, type Domain } from '../../common/names/validate.js';
import { forgetAcmeDomain, setCustomCertificate } from '../../gateway/index.js';
import { defineRoute, type AuthedContext, type RouteSpec } from '../api/route.js';
import { loadApp } from '../apps/load.js';
import { appView } from '../apps/view.js';
import { appHosts } from '../deploy/hosts.js';
import { certificateRedis, loadAppDomain } from './app-domain.js';
import { forgetDomainCertificates } from './certificates.js';
import type { App } from '../store/types.js';
import { republishHosts } from './republish.js';

const MAX_DOMAINS = 20;
const DomainBody = z.strictObject({ domain: z.string().max(253) });

async function assertFree(ctx: AuthedContext<unknown, unknown>, domain: string): Promise<void> {
  const apex = ctx.deps.config.domain;
  if (domain === apex || domain.endsWith(`.${apex}`)) {
    throw new DeployFlowError('DF_ERR_INVALID_DOMAIN', `Names under ${apex} belong to the platform; every app already has <app>.${apex}`);
  }
  const owner = (await ctx.deps.store.apps.list()).find((a) => a.domains.includes(domain));
  if (owner) throw new DeployFlowError('DF_ERR_CONFLICT', 'That domain is already routed to an app');
}

/** The domain leaves the app, the route table and the resolver, its certificate with it. */
async function removeDomain(ctx: AuthedContext<unknown, unknown>, { app, domain }: { app: App; domain: Domain }): Promise<undefined> {
  const before = appHosts(ctx.deps.config, app);
  const updated = await ctx.deps.store.apps.update(app.name, { domains: app.domains.filter((d) => d !== domain) });
  if (!updated) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
  await republishHosts(ctx.deps, updated, before);
  await forgetDomainCertificates(ctx.deps, [domain]);
  return undefined;
}

export const domainRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post', path: '/apps/:name/domains', tag: 'domains', access: 'user', status: 201, audit: 'app.domain.add',
    summary: 'Route a custom domain to the app', body: DomainBody,
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      const domain = parseDomain(ctx.body.domain);
      ctx.audit.details = { domain };
      if (app.domains.includes(domain)) return appView(ctx.deps.config, app);
      if (app.domains.length >= MAX_DOMAINS) throw new DeployFlowError('DF_ERR_QUOTA_EXCEEDED', `At most ${MAX_DOMAINS} domains per app`);
      await assertFree(ctx, domain);
      const before = appHosts(ctx.deps.config, app);
      const updated = await ctx.deps.store.apps.update(app.name, { domains: [...app.domains, domain] });
      if (!updated) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
      await republishHosts(ctx.deps, updated, before);
      return appView(ctx.deps.config, updated);
    },
  }),
  // Both forms remove a domain: the contract's `DELETE /apps/:name/domains {domain}` (as it is
  // added) and the path form the dashboard and README use.
  defineRoute({
    method: 'delete', path: '/apps/:name/domains', tag: 'domains', access: 'user', audit: 'app.domain.remove',
    summary: 'Stop routing a custom domain to the app (the domain in the body)', body: DomainBody,
    handler: async (ctx) => removeDomain(ctx, await loadAppDomain(ctx, ctx.body.domain)),
  }),
  defineRoute({
    method: 'delete', path: '/apps/:name/domains/:domain', tag: 'domains', access: 'user', audit: 'app.domain.remove',
    summary: 'Stop routing a custom domain to the app',
    handler: async (ctx) => removeDomain(ctx, await loadAppDomain(ctx)),
  }),
  defineRoute({
    method: 'put', path: '/apps/:name/domains/:domain/certificate', tag: 'domains', access: 'user', audit: 'app.domain.certificate',
    summary: 'Upload a PEM certificate (chain) and key for one of the app\'s domains',
    body: z.strictObject({ certificate: z.string().max(65_536), privateKey: z.string().max(65_536) }),
    handler: async (ctx) => {
      const { domain } = await loadAppDomain(ctx);
      const redis = certificateRedis(ctx.deps);
      await setCustomCertificate(redis, domain, ctx.body.certificate, ctx.body.privateKey);
      // An uploaded pair is the owner's to renew: ACME renewal leaves the domain alone from now on.
      await forgetAcmeDomain(redis, domain);
      return undefined;
    },
  }),
];
