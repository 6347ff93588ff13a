// releases, releases:info, rollback and deploy; the last two stream the deployment's log and exit
// non-zero when it fails.
import { stringOption, type Context } from '../context.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { segment, type Api } from '../http.js';
import type { Handlers } from '../handlers.js';
import { formatTime, keyValues, print, printJson, table } from '../output.js';
import type { DeploymentView } from '../realtime.js';

const FULL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A full deployment id, or a prefix of one of the app's (as `releases` shows them). */
async function resolveId(ctx: Context, api: Api, given: string): Promise<string> {
  if (FULL_ID.test(given)) return given;
  if (!/^[0-9a-f-]{4,36}$/.test(given)) throw usageError(`${given} is not a deployment id (see deployflow releases)`);
  const list = await api.get<DeploymentView[]>(`/apps/${segment(await ctx.app())}/deployments`);
  const matches = list.filter((d) => d.id.startsWith(given));
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length === 0) throw new CliError('DF_ERR_NOT_FOUND', `No deployment ${given}`, EXIT.notFound);
  throw usageError(`${given} names ${matches.length} deployments: give more of the id`);
}

/** Streams the log (to stderr with --json, whose stdout is the final record) and fails on a failed deployment. */
async function watch(ctx: Context, api: Api, id: string): Promise<void> {
  const { followDeployment } = await import('../realtime.js');
  const out = ctx.json ? (l: string): void => void process.stderr.write(`${l}\n`) : (l: string): void => print(l);
  const final = await followDeployment(api, id, out);
  if (ctx.json) printJson(final);
  if (final.status === 'failed' || final.status === 'cancelled') {
    const why = [final.errorCode, final.error].filter(Boolean).join(': ');
    throw new CliError('DF_ERR_DEPLOY_FAILED', `Deployment ${final.id} ${final.status}${why ? `: ${why}` : ''}`);
  }
}

export const handlers: Handlers = {
  async releases(ctx: Context) {
    const list = await ctx.api().get<DeploymentView[]>(`/apps/${segment(await ctx.app())}/deployments`);
    if (ctx.json) return printJson(list);
    if (list.length === 0) return print('No deployments yet: git push deployflow main');
    print(
      table(
        ['id', 'status', 'source', 'ref', 'commit', 'created', 'error'],
        list.map((d) => [d.id.slice(0, 8), d.status, d.source, d.ref, d.commit?.slice(0, 7), formatTime(d.createdAt), d.errorCode]),
      ),
    );
  },

  async 'releases:info'(ctx: Context) {
    const api = ctx.api();
    const d = await api.get<DeploymentView>(`/deployments/${segment(await resolveId(ctx, api, ctx.args[0]!))}`);
    if (ctx.json) return printJson(d);
    print(
      keyValues([
        ['ID', d.id],
        ['App', d.app],
        ['Status', d.status],
        ['Source', d.source],
        ['Ref', d.ref],
        ['Commit', d.commit],
        ['Image', d.image],
        ['Created', formatTime(d.createdAt)],
        ['Finished', formatTime(d.finishedAt)],
        ['Error', d.error],
        ['Error code', d.errorCode],
      ]),
    );
  },

  async rollback(ctx: Context) {
    const api = ctx.api();
    const app = await ctx.app();
    const body = ctx.args[0] ? { deploymentId: await resolveId(ctx, api, ctx.args[0]) } : {};
    const started = await api.post<{ id: string; rollbackOf: string }>(`/apps/${segment(app)}/rollback`, body);
    process.stderr.write(`Rolling ${app} back to ${started.rollbackOf.slice(0, 8)} (deployment ${started.id.slice(0, 8)})\n`);
    await watch(ctx, api, started.id);
  },

  async deploy(ctx: Context) {
    const gitUrl = stringOption(ctx, 'git-url');
    const ref = stringOption(ctx, 'ref');
    const image = stringOption(ctx, 'image');
    if (image && (gitUrl || ref)) throw usageError('Give --image or --git-url [--ref], not both');
    if (ref && !gitUrl) throw usageError("--ref needs --git-url; to deploy a branch of the app's own repository, git push it");
    const api = ctx.api();
    const app = await ctx.app();
    const body = image ? { image } : gitUrl ? { gitUrl, ...(ref ? { ref } : {}) } : {};
    const started = await api.post<{ id: string }>(`/apps/${segment(app)}/deployments`, body);
    process.stderr.write(`Deploying ${app} (deployment ${started.id.slice(0, 8)})\n`);
    await watch(ctx, api, started.id);
  },
};
