// The admin switch that lets webhook clones reach private and loopback addresses. Off unless an
// admin turns it on: a platform inside a company network may clone from an internal GitLab,
// but by default a webhook must not become a way to probe the platform's own network.
import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../api/route.js';
import type { SettingsStore } from '../store/types.js';

export const ALLOW_PRIVATE_URLS_SETTING = 'webhooks.allowPrivateUrls';

export async function allowPrivateUrls(settings: SettingsStore): Promise<boolean> {
  return (await settings.get<boolean>(ALLOW_PRIVATE_URLS_SETTING)) === true;
}

const WebhookSettings = z.object({
  allowPrivateUrls: z.boolean().describe('Let webhook clones reach private, loopback and link-local addresses'),
});

export const webhookSettingsRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/settings/webhooks',
    tag: 'webhooks',
    access: 'admin',
    summary: 'Webhook settings (admin)',
    response: WebhookSettings,
    handler: async (ctx) => ({ allowPrivateUrls: await allowPrivateUrls(ctx.deps.store.settings) }),
  }),
  defineRoute({
    method: 'put',
    path: '/settings/webhooks',
    tag: 'webhooks',
    access: 'admin',
    audit: 'settings.webhooks',
    summary: 'Allow or refuse webhook clones from private addresses (admin)',
    body: WebhookSettings.strict(),
    response: WebhookSettings,
    handler: async (ctx) => {
      ctx.audit.target = 'settings';
      ctx.audit.details = { ...ctx.body };
      await ctx.deps.store.settings.set(ALLOW_PRIVATE_URLS_SETTING, ctx.body.allowPrivateUrls);
      return { allowPrivateUrls: ctx.body.allowPrivateUrls };
    },
  }),
];
