// Certificates from an ACME CA for an app's custom domains: issued on request through the API
// (HTTP-01, answered by the gateways), then renewed by control before they run out. The CA is
// Let's Encrypt unless DEPLOYFLOW_ACME_DIRECTORY names another (a private step-ca, or a test CA).
import { z } from 'zod';
import { AppNameParam, DomainParam } from '../api/params.js';
import fs from 'node:fs';
import path from 'node:path';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { acmeDomains, dueForRenewal, forgetAcmeDomain } from '../../common/certificates/index.js';
import { defineRoute, type RouteSpec } from '../api/route.js';
import type { ControlDeps } from '../server/deps.js';
import { issueAcmeCertificate, type AcmeRequest } from './acme-order.js';
import { certificateRedis, loadAppDomain } from './app-domain.js';

/** Renew when less than this is left (Let's Encrypt certificates last 90 days). */
export const RENEW_WITHIN_MS = 30 * 24 * 3600_000;
const RENEW_EVERY_MS = 12 * 3600_000;

function acmeBase(deps: ControlDeps): Omit<AcmeRequest, 'domain'> {
  const { acme, dataDir } = deps.config;
  let caPem: string | undefined;
  if (acme.caFile) {
    try {
      caPem = fs.readFileSync(acme.caFile, 'utf8');
    } catch (err) {
      throw new DeployFlowError('DF_ERR_ACME_FAILED', `DEPLOYFLOW_ACME_CA_FILE cannot be read: ${(err as Error).message}`);
    }
  }
  return { tlsDir: path.join(dataDir, 'tls'), directoryUrl: acme.directoryUrl, email: acme.email, caPem };
}

export const acmeRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/apps/:name/domains/:domain/certificate/acme',
    params: z.strictObject({ name: AppNameParam, domain: DomainParam }),
    tag: 'domains',
    access: 'user',
    audit: 'app.domain.acme',
    summary: "Obtain a certificate for one of the app's domains from the ACME CA (HTTP-01); it is renewed before it expires",
    handler: async (ctx) => {
      const { domain } = await loadAppDomain(ctx);
      return issueAcmeCertificate(certificateRedis(ctx.deps), { ...acmeBase(ctx.deps), domain });
    },
  }),
];

/**
 * One renewal pass: every ACME certificate within RENEW_WITHIN_MS of its end is issued again,
 * if an app still has its domain (a deleted app's domains are forgotten, not renewed for ever).
 */
export async function renewAcmeCertificates(deps: ControlDeps, now = deps.clock()): Promise<{ renewed: string[]; failed: string[] }> {
  const redis = certificateRedis(deps);
  const routed = new Set((await deps.store.apps.list()).flatMap((a) => a.domains));
  const registered = await acmeDomains(redis);
  for (const { domain } of registered) if (!routed.has(domain)) await forgetAcmeDomain(redis, domain);
  const due = dueForRenewal(
    registered.filter((d) => routed.has(d.domain)),
    now,
    RENEW_WITHIN_MS,
  );
  const renewed: string[] = [];
  const failed: string[] = [];
  for (const domain of due) {
    try {
      await issueAcmeCertificate(redis, { ...acmeBase(deps), domain });
      renewed.push(domain);
      deps.log.info({ domain }, 'acme: certificate renewed');
    } catch (err) {
      failed.push(domain);
      deps.log.error({ domain, err: (err as Error).message }, 'acme: renewal failed; the current certificate keeps serving');
    }
  }
  return { renewed, failed };
}

/** Renews twice a day while control runs; returns the stop function. */
export function startAcmeRenewal(deps: ControlDeps): () => void {
  if (!deps.redis) return () => undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    renewAcmeCertificates(deps)
      .catch((err: unknown) => deps.log.error({ err }, 'acme: renewal pass failed'))
      .finally(() => {
        running = false;
      });
  }, RENEW_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
