// The audit log: admins query everything; everyone else sees their own actions, or the events
// of an app they may see when they ask for it by target.
import { z } from 'zod';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { parseAppName } from '../../common/names/validate.js';
import { checkAccess } from '../apps/access.js';
import { defineRoute, type RouteSpec } from '../api/route.js';

const AuditQuery = z.strictObject({
  actor: z.string().max(100).optional(),
  action: z.string().max(100).optional(),
  target: z.string().max(200).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

const AuditView = z.object({
  id: z.string(),
  at: z.number(),
  actorId: z.string().nullable(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  result: z.enum(['ok', 'error']),
  ip: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});

export const auditRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/audit',
    tag: 'audit',
    access: 'user',
    query: AuditQuery,
    response: z.array(AuditView),
    summary: 'Audit events, newest first (filters: actor, action, target, before, limit)',
    handler: async (ctx) => {
      const q = ctx.query;
      let actorId = q.actor;
      // An app's history starts with this app: an earlier app of the same name (deleted, maybe
      // someone else's) is not its owner's to read. Its events are all older, so a page is only cut short.
      let since = 0;
      if (ctx.user.role !== 'admin') {
        const appTarget = q.target?.startsWith('app:') ? q.target.slice(4) : null;
        if (appTarget !== null) {
          const app = await checkAccess(ctx.deps.store, ctx.user, await ctx.deps.store.apps.get(parseAppName(appTarget)), 'view');
          since = app.createdAt;
        } else {
          if (actorId !== undefined && actorId !== ctx.user.id)
            throw new DeployFlowError('DF_ERR_FORBIDDEN', "Only admins may read other users' events");
          actorId = ctx.user.id;
        }
      }
      const events = await ctx.deps.store.audit.query({
        ...(actorId !== undefined ? { actorId } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.target ? { target: q.target } : {}),
        ...(q.before ? { before: q.before } : {}),
        limit: q.limit ?? 100,
      });
      return since > 0 ? events.filter((e) => e.at >= since) : events;
    },
  }),
];
