// API tokens: created with a name, shown once, listed without their secret, revoked by id.
import { z } from 'zod';
import { RecordId } from '../api/params.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { defineRoute, type RouteSpec } from '../api/route.js';

const TokenView = z.object({ id: z.string(), name: z.string(), createdAt: z.number(), lastUsedAt: z.number().nullable() });

export const tokenRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/tokens',
    tag: 'tokens',
    access: 'user',
    status: 201,
    audit: 'token.create',
    summary: 'Create an API token (Bearer, and the git HTTP password); the token is shown only now',
    body: z.strictObject({ name: z.string().trim().min(1).max(100) }),
    response: TokenView.extend({ token: z.string() }),
    handler: async (ctx) => {
      const { record, token } = await ctx.deps.tokens.createApiToken(ctx.user.id, ctx.body.name);
      ctx.audit.target = `token:${record.id}`;
      return { id: record.id, name: record.name, createdAt: record.createdAt, lastUsedAt: null, token };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/tokens',
    tag: 'tokens',
    access: 'user',
    summary: 'Your API tokens (without their secrets)',
    response: z.array(TokenView),
    handler: async (ctx) =>
      (await ctx.deps.store.apiTokens.listForUser(ctx.user.id)).map((t) => ({
        id: t.id,
        name: t.name,
        createdAt: t.createdAt,
        lastUsedAt: t.lastUsedAt,
      })),
  }),
  defineRoute({
    method: 'delete',
    path: '/tokens/:id',
    params: z.strictObject({ id: RecordId }),
    tag: 'tokens',
    access: 'user',
    audit: 'token.revoke',
    summary: 'Revoke one of your API tokens',
    handler: async (ctx) => {
      const id = ctx.params.id;
      ctx.audit.target = `token:${id}`;
      if (!(await ctx.deps.store.apiTokens.revoke(id, ctx.user.id))) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such token');
      return undefined;
    },
  }),
];
