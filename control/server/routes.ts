// Every declared API route, in one list: mounted under /api/v1 and described in OpenAPI.
import type { RouteSpec } from '../api/route.js';
import { appRoutes } from '../apps/routes.js';
import { transferRoutes } from '../apps/transfer.js';
import { auditRoutes } from '../audit/routes.js';
import { authRoutes } from '../auth/routes.js';
import { deploymentRoutes } from '../deployments/routes.js';
import { routeTableRoutes } from '../deployments/route-table.js';
import { envRoutes } from '../env/routes.js';
import { keyRoutes } from '../keys/routes.js';
import { tokenRoutes } from '../tokens/routes.js';
import { teamRoutes } from '../teams/routes.js';
import { userRoutes } from '../users/routes.js';
import { webhookRoutes } from '../webhooks/index.js';
import { buildSettingsRoutes } from '../builds/index.js';
import { notificationRoutes } from '../notifications/routes.js';
import { systemRoutes } from '../system/routes.js';
import { operationRoutes } from '../operations/routes.js';
import { runtimeRoutes } from '../runtime/routes.js';
import { acmeRoutes } from '../domains/acme.js';
import { domainRoutes } from '../domains/routes.js';
import { tlsRoutes } from '../domains/tls.js';
import { deletionRoutes } from '../accounts/deletion-routes.js';
import { offboardingRoutes } from '../accounts/offboarding-routes.js';
import { passwordRoutes } from '../accounts/password-routes.js';
import { secondFactorRoutes } from '../accounts/second-factor-routes.js';
import { invitationRoutes } from '../accounts/invitation-routes.js';

export const API_PREFIX = '/api/v1';

// One entry per line, so routes added in parallel do not collide on one long line.
export const apiRoutes: RouteSpec[] = [
  ...authRoutes,
  ...passwordRoutes,
  ...secondFactorRoutes,
  ...offboardingRoutes,
  ...invitationRoutes,
  ...deletionRoutes,
  ...tokenRoutes,
  ...keyRoutes,
  ...userRoutes,
  ...appRoutes,
  ...transferRoutes,
  ...teamRoutes,
  ...envRoutes,
  ...deploymentRoutes,
  ...routeTableRoutes,
  ...auditRoutes,
  ...webhookRoutes,
  ...buildSettingsRoutes,
  ...notificationRoutes,
  ...systemRoutes,
  ...operationRoutes,
  ...runtimeRoutes,
  ...domainRoutes,
  ...acmeRoutes,
  ...tlsRoutes,
];
