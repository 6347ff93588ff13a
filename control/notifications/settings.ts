// Who hears about what: each user chooses channels (the in-app list is always on) and the
// events they care about, and may mute apps; each app may add a team webhook and addresses.
import { z } from 'zod';
import type { NotificationKind, Store } from '../store/types.js';

export const KINDS: readonly NotificationKind[] = [
  'deploy.started',
  'deploy.succeeded',
  'deploy.failed',
  'autoscale.refused',
  'wake.failed',
];

// Webhooks go to http(s) only; the URL is the user's, like a Slack or Discord incoming webhook.
const WebhookUrl = z
  .string()
  .max(2000)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
  .nullable();
const Events = z.array(z.enum(['deploy.started', 'deploy.succeeded', 'deploy.failed', 'autoscale.refused', 'wake.failed'])).max(5);

export const UserSettingsBody = z.strictObject({
  email: z.boolean().optional().describe('also e-mail me (needs DEPLOYFLOW_SMTP_URL)'),
  webhookUrl: WebhookUrl.optional().describe('POST {text, content} JSON here (Slack/Discord compatible)'),
  events: Events.optional(),
  mutedApps: z.array(z.string().max(63)).max(500).optional(),
});
export const AppSettingsBody = z.strictObject({
  webhookUrl: WebhookUrl.optional(),
  emails: z.array(z.string().email().max(254)).max(20).optional(),
  events: Events.optional(),
});

export interface UserSettings {
  email: boolean;
  webhookUrl: string | null;
  events: NotificationKind[];
  mutedApps: string[];
}
export interface AppSettings {
  webhookUrl: string | null;
  emails: string[];
  events: NotificationKind[];
}

export const UserSettingsView = z.object({
  email: z.boolean(),
  webhookUrl: z.string().nullable(),
  events: z.array(z.string()),
  mutedApps: z.array(z.string()),
});
export const AppSettingsView = z.object({ webhookUrl: z.string().nullable(), emails: z.array(z.string()), events: z.array(z.string()) });

export async function userSettings(store: Store, userId: string): Promise<UserSettings> {
  const saved = await store.notifications.getSettings<Partial<UserSettings>>('user', userId);
  return { email: false, webhookUrl: null, events: [...KINDS], mutedApps: [], ...saved };
}

export async function appSettings(store: Store, app: string): Promise<AppSettings> {
  const saved = await store.notifications.getSettings<Partial<AppSettings>>('app', app);
  return { webhookUrl: null, emails: [], events: [...KINDS], ...saved };
}
