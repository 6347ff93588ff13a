// Notifications API: your notifications (with the unread count), marking them read, your
// delivery settings, and an app's team channels (read by viewers, changed by operators).
import { z } from 'zod';
import { AppNameParam } from '../api/params.js';
import { may } from '../apps/access.js';
import { loadApp } from '../apps/load.js';
import { defineRoute, type RouteSpec } from '../api/route.js';
import { MASK } from '../env/routes.js';
import {
  AppSettingsBody,
  AppSettingsView,
  UserSettingsBody,
  UserSettingsView,
  appSettings,
  userSettings,
  type AppSettings,
} from './settings.js';

const NotificationView = z.object({
  id: z.string(),
  kind: z.string(),
  app: z.string().nullable(),
  deploymentId: z.string().nullable(),
  message: z.string(),
  createdAt: z.number(),
  readAt: z.number().nullable(),
});
/**
 * A team webhook URL is a credential (anyone holding a Slack or Discord incoming webhook can post
 * to the channel), so it is masked like env values for those who may not reveal them; a viewer
 * still sees whether one is set.
 */
function appSettingsFor(settings: AppSettings, mayReveal: boolean): AppSettings {
  return mayReveal || settings.webhookUrl === null ? settings : { ...settings, webhookUrl: MASK };
}

const ListQuery = z.strictObject({
  unread: z.enum(['true', 'false']).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const notificationRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/notifications',
    tag: 'notifications',
    access: 'user',
    query: ListQuery,
    summary: 'Your notifications, newest first, and how many are unread',
    response: z.object({ items: z.array(NotificationView), unread: z.number() }),
    handler: async (ctx) => {
      const items = await ctx.deps.store.notifications.listForUser(ctx.user.id, {
        unreadOnly: ctx.query.unread === 'true',
        limit: ctx.query.limit ?? 50,
        ...(ctx.query.before ? { before: ctx.query.before } : {}),
      });
      return { items: items.map(({ userId: _u, ...view }) => view), unread: await ctx.deps.store.notifications.unreadCount(ctx.user.id) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/notifications/read',
    tag: 'notifications',
    access: 'user',
    audit: 'notification.read',
    summary: 'Mark your notifications read: the given ids, or all of them',
    body: z.strictObject({ ids: z.array(z.string().max(64)).max(500).optional() }),
    response: z.object({ marked: z.number(), unread: z.number() }),
    handler: async (ctx) => {
      const marked = await ctx.deps.store.notifications.markRead(ctx.user.id, ctx.body.ids ?? null, ctx.deps.clock());
      return { marked, unread: await ctx.deps.store.notifications.unreadCount(ctx.user.id) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/notifications/settings',
    tag: 'notifications',
    access: 'user',
    response: UserSettingsView,
    summary: 'Your delivery settings (in-app is always on)',
    handler: async (ctx) => userSettings(ctx.deps.store, ctx.user.id),
  }),
  defineRoute({
    method: 'put',
    path: '/notifications/settings',
    tag: 'notifications',
    access: 'user',
    audit: 'notification.settings',
    summary: 'Change your delivery settings: e-mail, webhook URL, events, muted apps',
    body: UserSettingsBody,
    response: UserSettingsView,
    handler: async (ctx) => {
      ctx.audit.target = `user:${ctx.user.id}`;
      ctx.audit.details = { changed: Object.keys(ctx.body) };
      const next = { ...(await userSettings(ctx.deps.store, ctx.user.id)), ...ctx.body };
      await ctx.deps.store.notifications.setSettings('user', ctx.user.id, next);
      return next;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/apps/:name/notifications',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'notifications',
    access: 'user',
    response: AppSettingsView,
    summary: "The app's team channels (webhook, e-mail addresses, events); the webhook URL masked unless you may reveal secrets",
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'view');
      return appSettingsFor(await appSettings(ctx.deps.store, app.name), await may(ctx.deps.store, ctx.user, app, 'reveal'));
    },
  }),
  defineRoute({
    method: 'put',
    path: '/apps/:name/notifications',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'notifications',
    access: 'user',
    audit: 'app.notifications',
    summary: "Change the app's team channels",
    body: AppSettingsBody,
    response: AppSettingsView,
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      ctx.audit.details = { changed: Object.keys(ctx.body) };
      const next = { ...(await appSettings(ctx.deps.store, app.name)), ...ctx.body };
      await ctx.deps.store.notifications.setSettings('app', app.name, next);
      return next;
    },
  }),
];
