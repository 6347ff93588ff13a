// Turns deployment status changes into notifications: stored for the app's owner and
// collaborators (and pushed to their open dashboards), then sent to the webhooks and e-mail
// addresses their settings and the app's settings name. A failing channel is logged, never
// allowed to disturb the deploy or the other channels.
import { randomUUID } from 'node:crypto';
import type { ControlDeps } from '../server/deps.js';
import type { AppNotice } from '../server/events.js';
import type { App, Deployment, Notification, NotificationKind } from '../store/types.js';
import { createMailer, postWebhook, type Mailer } from './deliver.js';
import { allowPrivateUrls } from '../webhooks/settings.js';
import { kindOf, messageOf } from './message.js';
import { appSettings, userSettings } from './settings.js';

export type PushToUser = (userId: string, notification: Notification) => void;

export interface Notifier {
  /** Settles once every delivery started so far has finished (tests wait on it). */
  idle(): Promise<void>;
  stop(): void;
}

export function startNotifier(deps: ControlDeps, push: PushToUser, mailer: Mailer | null = createMailer(deps.config)): Notifier {
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    const tracked = p
      .catch((err: unknown) => deps.log.warn({ err }, 'notification delivery failed'))
      .finally(() => pending.delete(tracked));
    pending.add(tracked);
  };
  const onStatus = (d: Deployment): void => {
    const kind = kindOf(d);
    if (kind) track(notify(deps, push, mailer, track, d, kind));
  };
  // What happens to an app outside a deploy (an autoscaler refusal): {app, kind, message}.
  const onNotice = (n: AppNotice): void => {
    track(
      deps.store.apps.get(n.app).then((app) => (app ? notifyMembers(deps, push, mailer, track, app, n.kind, n.message, null) : undefined)),
    );
  };
  const onAppDeleted = (app: App): void => {
    // A later app of the same name (maybe someone else's) must not inherit these channels.
    track(deps.store.notifications.deleteSettings('app', app.name));
  };
  deps.events.on('deployment.status', onStatus);
  deps.events.on('app.deleted', onAppDeleted);
  deps.events.on('app.notice', onNotice);
  return {
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    stop() {
      deps.events.off('deployment.status', onStatus);
      deps.events.off('app.deleted', onAppDeleted);
      deps.events.off('app.notice', onNotice);
      mailer?.close();
    },
  };
}

async function notify(
  deps: ControlDeps,
  push: PushToUser,
  mailer: Mailer | null,
  track: (p: Promise<void>) => void,
  d: Deployment,
  kind: NotificationKind,
): Promise<void> {
  const app: App | null = await deps.store.apps.get(d.app);
  if (!app) return;
  await notifyMembers(deps, push, mailer, track, app, kind, messageOf(kind, d, deps.config), d.id);
}

async function notifyMembers(
  deps: ControlDeps,
  push: PushToUser,
  mailer: Mailer | null,
  track: (p: Promise<void>) => void,
  app: App,
  kind: NotificationKind,
  message: string,
  deploymentId: string | null,
): Promise<void> {
  const subject = `[DeployFlow] ${message.slice(0, 120)}`;
  const emails = new Set<string>();
  const webhooks = new Set<string>();
  // A team's app tells every member of the team, whatever their role.
  const owners = app.ownerKind === 'team' ? (await deps.store.teams.members(app.ownerId)).map((m) => m.userId) : [app.ownerId];
  for (const userId of new Set([...owners, ...app.collaboratorIds])) {
    const user = await deps.store.users.get(userId);
    if (!user) continue;
    const stored = await deps.store.notifications.create({
      id: randomUUID(),
      userId,
      kind,
      app: app.name,
      deploymentId,
      message,
      createdAt: deps.clock(),
      readAt: null,
    });
    push(userId, stored);
    const s = await userSettings(deps.store, userId);
    if (!s.events.includes(kind) || s.mutedApps.includes(app.name)) continue;
    if (s.email) emails.add(user.email);
    if (s.webhookUrl) webhooks.add(s.webhookUrl);
  }
  const a = await appSettings(deps.store, app.name);
  if (a.events.includes(kind)) {
    for (const e of a.emails) emails.add(e.toLowerCase());
    if (a.webhookUrl) webhooks.add(a.webhookUrl);
  }
  const allowPrivate = webhooks.size > 0 && (await allowPrivateUrls(deps.store.settings));
  for (const url of webhooks) track(postWebhook(url, message, allowPrivate));
  if (mailer && emails.size > 0)
    track(mailer.send([...emails], subject, `${message}\n${deploymentId ? `\nDeployment ${deploymentId}\n` : ''}`));
}
