// Deployments API: history, one record, its log, a deploy of an image or of a git URL's ref, a
// redeploy, and rollback to an earlier successful deployment's image without rebuilding.
import { z } from 'zod';
import { AppNameParam, RecordId } from '../api/params.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { loadApp } from '../apps/load.js';
import { checkAccess, may } from '../apps/access.js';
import { defineRoute, RESPONDED, type AuthedContext, type RouteSpec } from '../api/route.js';
import { isCommitSha, parseCommitSha, parseGitRef, type CommitSha, type GitRef } from '../../common/names/validate.js';
import type { Deployment } from '../store/types.js';
import { cloneSource } from '../webhooks/clone.js';
import { resolveCloneUrl } from '../webhooks/clone-url.js';
import { branchName } from '../webhooks/handle.js';
import { allowPrivateUrls } from '../webhooks/settings.js';
import { DeploymentView, deploymentView } from './view.js';

const IMAGE_REF = /^[a-z0-9][a-z0-9._\-/]*(:[A-Za-z0-9._-]{1,128})?(@sha256:[a-f0-9]{64})?$/;

async function loadDeployment(ctx: AuthedContext<unknown, unknown, { id: string }>): Promise<Deployment> {
  const id = ctx.params.id;
  const deployment = /^[0-9a-f-]{36}$/.test(id) ? await ctx.deps.store.deployments.get(id) : null;
  if (!deployment) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such deployment');
  const app = await ctx.deps.store.apps.get(deployment.app);
  try {
    await checkAccess(ctx.deps.store, ctx.user, app, 'view');
  } catch {
    throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such deployment');
  }
  return deployment;
}

/**
 * What `ref` names in a git URL deploy: a branch or tag (`main`, `refs/heads/main`,
 * `refs/tags/v1`), or a full commit SHA, fetched after cloning the app's deploy branch.
 */
function gitTarget(ref: string | undefined, deployBranch: string): { branch: GitRef; commit: CommitSha | null } {
  if (ref === undefined) return { branch: branchName(deployBranch), commit: null };
  if (isCommitSha(ref)) return { branch: branchName(deployBranch), commit: parseCommitSha(ref) };
  return { branch: parseGitRef(parseGitRef(ref).replace(/^refs\/(?:heads|tags)\//, '')), commit: null };
}

/**
 * Any image on the Docker host may be released by an admin; anyone else only DeployFlow's builds
 * of apps they may operate (`deployflow/<app>:<tag>`, e.g. promoting staging's build to
 * production) — not another tenant's build, with its code and whatever is baked into it.
 */
async function assertMayRelease(ctx: AuthedContext<unknown, unknown>, image: string): Promise<void> {
  if (ctx.user.role === 'admin') return;
  const built = /^deployflow\/([a-z][a-z0-9-]{0,61}[a-z0-9])[:@]/.exec(image);
  const source = built ? await ctx.deps.store.apps.get(built[1]!) : null;
  if (!(await may(ctx.deps.store, ctx.user, source, 'operate'))) {
    throw new DeployFlowError('DF_ERR_FORBIDDEN', 'Only admins may release an image that is not a build of an app you operate');
  }
}

function engine(ctx: AuthedContext<unknown, unknown>): NonNullable<typeof ctx.deps.deploy> {
  if (!ctx.deps.deploy) throw new DeployFlowError('DF_ERR_UNAVAILABLE', 'Deploys need the Docker Engine, which is not available');
  return ctx.deps.deploy;
}

export const deploymentRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/apps/:name/deployments',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'deployments',
    access: 'user',
    response: z.array(DeploymentView),
    summary: "An app's deployments, newest first",
    handler: async (ctx) => (await ctx.deps.store.deployments.listByApp((await loadApp(ctx, 'view')).name, 100)).map(deploymentView),
  }),
  defineRoute({
    method: 'post',
    path: '/apps/:name/deployments',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'deployments',
    access: 'user',
    status: 202,
    audit: 'app.deploy',
    summary:
      'Deploy: {image} releases a local image; {gitUrl, ref?} clones, builds and releases a branch, tag or commit; {} re-releases the running image (e.g. after env changes)',
    body: z.strictObject({
      image: z.string().max(255).regex(IMAGE_REF, 'must be a Docker image reference').optional(),
      gitUrl: z.string().max(2048).optional().describe('http(s) URL of a git repository (no credentials in it)'),
      ref: z.string().max(255).optional().describe("branch, tag or commit SHA (default: the app's deploy branch)"),
    }),
    response: z.object({ id: z.string(), status: z.string() }),
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      if (ctx.body.gitUrl !== undefined || ctx.body.ref !== undefined) {
        if (ctx.body.gitUrl === undefined)
          throw new DeployFlowError(
            'DF_ERR_VALIDATION',
            "{ref} needs {gitUrl}; to deploy a branch of the app's own repository, git push it",
          );
        if (ctx.body.image !== undefined) throw new DeployFlowError('DF_ERR_VALIDATION', 'Give either {image} or {gitUrl}, not both');
        const { branch, commit } = gitTarget(ctx.body.ref, app.deployBranch);
        // The same guards as webhook clones: http(s) only, no credentials, no private addresses
        // unless an admin allows them, the resolved address pinned for the clone.
        const target = await resolveCloneUrl(ctx.body.gitUrl, { allowPrivate: await allowPrivateUrls(ctx.deps.store.settings) });
        const { deployment } = await engine(ctx).enqueue({
          app: app.name,
          source: cloneSource(target, branch, commit),
          origin: 'url',
          commit,
          ref: ctx.body.ref ?? branch,
          createdBy: ctx.user.id,
        });
        ctx.audit.details = { deploymentId: deployment.id, gitUrl: target.url, ref: ctx.body.ref ?? branch };
        return { id: deployment.id, status: deployment.status };
      }
      let image = ctx.body.image;
      if (image) await assertMayRelease(ctx, image);
      if (!image) {
        const current = (await ctx.deps.store.deployments.listByApp(app.name, 100)).find((d) => d.status === 'running' && d.image);
        if (!current?.image) throw new DeployFlowError('DF_ERR_VALIDATION', 'Nothing to redeploy yet: push code or give {image}');
        image = current.image;
      }
      const { deployment } = await engine(ctx).enqueue({
        app: app.name,
        source: { kind: 'image', image },
        origin: ctx.body.image ? 'image' : 'redeploy',
        createdBy: ctx.user.id,
      });
      ctx.audit.details = { deploymentId: deployment.id, image };
      return { id: deployment.id, status: deployment.status };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/apps/:name/rollback',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'deployments',
    access: 'user',
    status: 202,
    audit: 'app.rollback',
    summary: 'Roll back to an earlier successful deployment (default: the one before the current) without rebuilding',
    body: z.strictObject({ deploymentId: z.string().max(64).optional() }),
    response: z.object({ id: z.string(), status: z.string(), rollbackOf: z.string() }),
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'operate');
      const history = (await ctx.deps.store.deployments.listByApp(app.name, 100)).filter(
        (d) => d.image && (d.status === 'running' || d.status === 'superseded'),
      );
      const target = ctx.body.deploymentId
        ? history.find((d) => d.id === ctx.body.deploymentId)
        : history.find((d) => d.status === 'superseded');
      if (!target?.image) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No earlier successful deployment to roll back to');
      const { deployment } = await engine(ctx).enqueue({
        app: app.name,
        source: { kind: 'image', image: target.image },
        origin: 'rollback',
        commit: target.commit,
        ref: target.ref,
        createdBy: ctx.user.id,
      });
      ctx.audit.details = { deploymentId: deployment.id, rollbackOf: target.id };
      return { id: deployment.id, status: deployment.status, rollbackOf: target.id };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/deployments/:id',
    params: z.strictObject({ id: RecordId }),
    tag: 'deployments',
    access: 'user',
    response: DeploymentView,
    summary: 'One deployment',
    handler: async (ctx) => deploymentView(await loadDeployment(ctx)),
  }),
  defineRoute({
    method: 'get',
    path: '/deployments/:id/logs',
    params: z.strictObject({ id: RecordId }),
    tag: 'deployments',
    access: 'user',
    summary: 'The build and deploy log as text',
    handler: async (ctx) => {
      const deployment = await loadDeployment(ctx);
      ctx.res.type('text/plain; charset=utf-8').send(await ctx.deps.store.deployments.getLog(deployment.id));
      return RESPONDED;
    },
  }),
];
