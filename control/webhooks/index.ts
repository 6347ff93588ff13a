// Push webhooks from GitHub and GitLab: the raw-body router, the per-app secret routes and the
// admin setting for private clone URLs.
import type { RouteSpec } from '../api/route.js';
import { webhookSecretRoutes } from './secret-routes.js';
import { webhookSettingsRoutes } from './settings.js';

export { webhookRouter, WEBHOOK_BODY_LIMIT } from './router.js';
export { webhookUrls } from './secret-routes.js';
export { ALLOW_PRIVATE_URLS_SETTING } from './settings.js';

export const webhookRoutes: RouteSpec[] = [...webhookSecretRoutes, ...webhookSettingsRoutes];
