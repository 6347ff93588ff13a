// Custom domains: an app answers on every domain added to it (through the gateway and the
// resolver), a domain belongs to one app only, and the platform's own domain is off limits.
// Certificates for a custom domain can be uploaded or obtained by ACME (acme.ts); without one the
// gateway serves the platform's certificate (its local CA signs names under the domain only).
import { z } from 'zod';
import { AppNameParam, DomainParam } from '../api/params.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { parseDomain, type Domain } from '../../common/names/validate.js';
import { forgetAcmeDomain, setCustomCertificate } from '../../common/certificates/index.js';
import { defineRoute, RESPONDED, type AuthedContext, type RouteSpec } from '../api/route.js';
import {
  claimDomain,
  dropClaim,
  listPending,
  pendingView,
  PendingView,
  recordPresent,
  SKIP_SETTING,
  skipsVerification,
} from './verification.js';
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

/** Routes a (verified or exempt) domain to the app: the route table and the resolver answer it from now on. */
async function routeDomain(ctx: AuthedContext<unknown, unknown>, app: App, domain: Domain): Promise<App> {
  const before = appHosts(ctx.deps.config, app);
  const current = (await ctx.deps.store.apps.get(app.name)) ?? app;
  const updated = await ctx.deps.store.apps.update(app.name, { domains: [...new Set([...current.domains, domain])] });
  if (!updated) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
  await republishHosts(ctx.deps, updated, before);
  return updated;
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
    method: 'post',
    path: '/apps/:name/domains',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'domains',
    access: 'user',
    status: 201,
    audit: 'app.domain.add',
    summary:
      'Add a custom domain: routed at once (201, the app) for admins and names an admin listed; otherwise pending (202) ' +
      'until its TXT record is verified — the answer names the record to create',
    body: DomainBody,
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      const domain = parseDomain(ctx.body.domain);
      ctx.audit.details = { domain };
      if (app.domains.includes(domain)) return appView(ctx.deps.config, app);
      if (app.domains.length >= MAX_DOMAINS) throw new DeployFlowError('DF_ERR_QUOTA_EXCEEDED', `At most ${MAX_DOMAINS} domains per app`);
      await assertFree(ctx, domain);
      if (!(await skipsVerification(ctx.deps.config, ctx.deps.store, ctx.user, domain))) {
        if ((await listPending(ctx.deps.store, app.name)).length >= MAX_DOMAINS) {
          throw new DeployFlowError('DF_ERR_QUOTA_EXCEEDED', `At most ${MAX_DOMAINS} pending domains per app`);
        }
        ctx.audit.details = { domain, state: 'pending' };
        ctx.res.status(202).json(pendingView(await claimDomain(ctx.deps.store, app.name, domain, ctx.deps.clock())));
        return RESPONDED;
      }
      return appView(ctx.deps.config, await routeDomain(ctx, app, domain));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/apps/:name/domains/pending',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'domains',
    access: 'user',
    response: z.array(PendingView),
    summary: 'Domains waiting for their TXT record, with the record to create',
    handler: async (ctx) => (await listPending(ctx.deps.store, (await loadApp(ctx, 'view')).name)).map(pendingView),
  }),
  defineRoute({
    method: 'post',
    path: '/apps/:name/domains/:domain/verify',
    params: z.strictObject({ name: AppNameParam, domain: DomainParam }),
    tag: 'domains',
    access: 'user',
    status: 201,
    audit: 'app.domain.verify',
    summary:
      "Look the pending domain's TXT record up now; when it carries the token the domain is routed (the app), " +
      'else 409 DF_ERR_DOMAIN_UNVERIFIED',
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      const domain = parseDomain(ctx.params.domain);
      ctx.audit.details = { domain };
      const claim = (await listPending(ctx.deps.store, app.name)).find((p) => p.domain === domain);
      if (!claim) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'That domain is not pending for this app');
      if (!(await recordPresent(ctx.deps.config, claim))) {
        const { record } = pendingView(claim);
        throw new DeployFlowError('DF_ERR_DOMAIN_UNVERIFIED', undefined, { record });
      }
      await assertFree(ctx, domain);
      const updated = await routeDomain(ctx, app, domain);
      await dropClaim(ctx.deps.store, app.name, domain);
      return appView(ctx.deps.config, updated);
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/apps/:name/domains/pending/:domain',
    params: z.strictObject({ name: AppNameParam, domain: DomainParam }),
    tag: 'domains',
    access: 'user',
    audit: 'app.domain.remove',
    summary: 'Withdraw a pending domain',
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      const domain = parseDomain(ctx.params.domain);
      ctx.audit.details = { domain, state: 'pending' };
      if (!(await dropClaim(ctx.deps.store, app.name, domain)))
        throw new DeployFlowError('DF_ERR_NOT_FOUND', 'That domain is not pending for this app');
      return undefined;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/settings/domains',
    tag: 'domains',
    access: 'admin',
    summary: 'Names under which custom domains need no TXT check (admin)',
    response: z.object({ skipVerificationUnder: z.array(z.string()), verification: z.enum(['on', 'off']) }),
    handler: async (ctx) => ({
      skipVerificationUnder: (await ctx.deps.store.settings.get<string[]>(SKIP_SETTING)) ?? [],
      verification: ctx.deps.config.domainVerification,
    }),
  }),
  defineRoute({
    method: 'put',
    path: '/settings/domains',
    tag: 'domains',
    access: 'admin',
    audit: 'settings.domains',
    summary: "Set the names under which custom domains are routed without a TXT check (admin; e.g. your company's own zone)",
    body: z.strictObject({ skipVerificationUnder: z.array(z.string().max(253)).max(100) }),
    response: z.object({ skipVerificationUnder: z.array(z.string()), verification: z.enum(['on', 'off']) }),
    handler: async (ctx) => {
      ctx.audit.target = 'settings';
      const names = [...new Set(ctx.body.skipVerificationUnder.map((n) => parseDomain(n) as string))];
      ctx.audit.details = { skipVerificationUnder: names };
      await ctx.deps.store.settings.set(SKIP_SETTING, names);
      return { skipVerificationUnder: names, verification: ctx.deps.config.domainVerification };
    },
  }),
  // Both forms remove a domain: the contract's `DELETE /apps/:name/domains {domain}` (as it is
  // added) and the path form the dashboard and README use.
  defineRoute({
    method: 'delete',
    path: '/apps/:name/domains',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'domains',
    access: 'user',
    audit: 'app.domain.remove',
    summary: 'Stop routing a custom domain to the app (the domain in the body)',
    body: DomainBody,
    handler: async (ctx) => removeDomain(ctx, await loadAppDomain(ctx, ctx.body.domain)),
  }),
  defineRoute({
    method: 'delete',
    path: '/apps/:name/domains/:domain',
    params: z.strictObject({ name: AppNameParam, domain: DomainParam }),
    tag: 'domains',
    access: 'user',
    audit: 'app.domain.remove',
    summary: 'Stop routing a custom domain to the app',
    handler: async (ctx) => removeDomain(ctx, await loadAppDomain(ctx)),
  }),
  defineRoute({
    method: 'put',
    path: '/apps/:name/domains/:domain/certificate',
    params: z.strictObject({ name: AppNameParam, domain: DomainParam }),
    tag: 'domains',
    access: 'user',
    audit: 'app.domain.certificate',
    summary: "Upload a PEM certificate (chain) and key for one of the app's domains",
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
