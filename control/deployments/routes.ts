// Deployments API: history, one record, its log, redeploy of an image, and rollback to an
// earlier successful deployment's image without rebuilding.
import { z } from 'zod';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { loadApp } from '../apps/load.js';
import { assertCan } from '../apps/access.js';
import { defineRoute, RESPONDED, type AuthedContext, type RouteSpec } from '../api/route.js';
import type { Deployment } from '../store/types.js';

const DeploymentView = z.object({
  id: z.string(), app: z.string(), status: z.enum(['queued', 'building', 'deploying', 'running', 'failed', 'superseded', 'cancelled']),
  commit: z.string().nullable(), ref: z.string().nullable(), image: z.string().nullable(), source: z.string(),
  createdAt: z.number(), finishedAt: z.number().nullable(), error: z.string().nullable(),
});

const IMAGE_REF = /^[a-z0-9][a-z0-9._\-/]*(:[A-Za-z0-9._-]{1,128})?(@sha256:[a-f0-9]{64})?$/;

function view(d: Deployment): z.infer<typeof DeploymentView> {
  return { id: d.id, app: d.app, status: d.status, commit: d.commit, ref: d.ref, image: d.image, source: d.source, createdAt: d.createdAt, finishedAt: d.finishedAt, error: d.error };
}

async function loadDeployment(ctx: AuthedContext<unknown, unknown>): Promise<Deployment> {
  const id = ctx.params.id as string;
  const deployment = /^[0-9a-f-]{36}$/.test(id) ? await ctx.deps.store.deployments.get(id) : null;
  if (!deployment) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such deployment');
  const app = await ctx.deps.store.apps.get(deployment.app);
  try {
    assertCan(ctx.user, app, 'view');
  } catch {
    throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such deployment');
  }
  return deployment;
}

function engine(ctx: AuthedContext<unknown, unknown>): NonNullable<typeof ctx.deps.deploy> {
  if (!ctx.deps.deploy) throw new DeployFlowError('DF_ERR_UNAVAILABLE', 'Deploys need the Docker Engine, which is not available');
  return ctx.deps.deploy;
}

export const deploymentRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get', path: '/apps/:name/deployments', tag: 'deployments', access: 'user', response: z.array(DeploymentView),
    summary: "An app's deployments, newest first",
    handler: async (ctx) => (await ctx.deps.store.deployments.listByApp((await loadApp(ctx, 'view')).name, 100)).map(view),
  }),
  defineRoute({
    method: 'post', path: '/apps/:name/deployments', tag: 'deployments', access: 'user', status: 202, audit: 'app.deploy',
    summary: 'Deploy: {image} releases a local image; {} re-releases the running image (e.g. after env changes)',
    body: z.strictObject({ image: z.string().max(255).regex(IMAGE_REF, 'must be a Docker image reference').optional() }),
    response: z.object({ id: z.string(), status: z.string() }),
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      let image = ctx.body.image;
      if (!image) {
        const current = (await ctx.deps.store.deployments.listByApp(app.name, 100)).find((d) => d.status === 'running' && d.image);
        if (!current?.image) throw new DeployFlowError('DF_ERR_VALIDATION', 'Nothing to redeploy yet: push code or give {image}');
        image = current.image;
      }
      const { deployment } = await engine(ctx).enqueue({ app: app.name, source: { kind: 'image', image }, origin: ctx.body.image ? 'image' : 'redeploy', createdBy: ctx.user.id });
      ctx.audit.details = { deploymentId: deployment.id, image };
      return { id: deployment.id, status: deployment.status };
    },
  }),
  defineRoute({
    method: 'post', path: '/apps/:name/rollback', tag: 'deployments', access: 'user', status: 202, audit: 'app.rollback',
    summary: 'Roll back to an earlier successful deployment (default: the one before the current) without rebuilding',
    body: z.strictObject({ deploymentId: z.string().max(64).optional() }),
    response: z.object({ id: z.string(), status: z.string(), rollbackOf: z.string() }),
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      const history = (await ctx.deps.store.deployments.listByApp(app.name, 100)).filter((d) => d.image && (d.status === 'running' || d.status === 'superseded'));
      const target = ctx.body.deploymentId ? history.find((d) => d.id === ctx.body.deploymentId) : history.find((d) => d.status === 'superseded');
      if (!target?.image) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No earlier successful deployment to roll back to');
      const { deployment } = await engine(ctx).enqueue({
        app: app.name, source: { kind: 'image', image: target.image }, origin: 'rollback', commit: target.commit, ref: target.ref, createdBy: ctx.user.id,
      });
      ctx.audit.details = { deploymentId: deployment.id, rollbackOf: target.id };
      return { id: deployment.id, status: deployment.status, rollbackOf: target.id };
    },
  }),
  defineRoute({
    method: 'get', path: '/deployments/:id', tag: 'deployments', access: 'user', response: DeploymentView, summary: 'One deployment',
    handler: async (ctx) => view(await loadDeployment(ctx)),
  }),
  defineRoute({
    method: 'get', path: '/deployments/:id/logs', tag: 'deployments', access: 'user', summary: 'The build and deploy log as text',
    handler: async (ctx) => {
      const deployment = await loadDeployment(ctx);
      ctx.res.type('text/plain; charset=utf-8').send(await ctx.deps.store.deployments.getLog(deployment.id));
      return RESPONDED;
    },
  }),
];
