// GET /routes: the route table exactly as published in Redis (what every gateway and resolver
// loads). Admins see every host; others only the hosts of apps they may see.
import { z } from 'zod';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { defineRoute, type RouteSpec } from '../api/route.js';
import { may } from '../apps/access.js';
import { readGatewayViews } from '../../common/gateway-reports/index.js';

export const routeTableRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/routes',
    tag: 'routes',
    access: 'user',
    summary: 'The route table as the gateway loads it',
    response: z.object({ version: z.number(), routes: z.record(z.string(), z.unknown()), gateways: z.array(z.unknown()).optional() }),
    handler: async (ctx) => {
      if (!ctx.deps.routes) throw new DeployFlowError('DF_ERR_UNAVAILABLE', 'No route table: REDIS_URL is not set');
      const table = await ctx.deps.routes.readRouteTable();
      // Each gateway reports the version it serves, so an admin sees drift at a glance.
      if (ctx.user.role === 'admin') return { ...table, gateways: ctx.deps.redis ? await readGatewayViews(ctx.deps.redis) : [] };
      const visible: Record<string, unknown> = {};
      for (const [host, route] of Object.entries(table.routes)) {
        const app = await ctx.deps.store.apps.get(route.app);
        if (await may(ctx.deps.store, ctx.user, app, 'view')) visible[host] = route;
      }
      return { version: table.version, routes: visible };
    },
  }),
];
