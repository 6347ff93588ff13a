// One webhook delivery, from raw bytes to a queued deployment. The order matters: nothing about
// the app (not even whether it exists) is revealed and nothing is parsed before the signature
// or token checks out; only then the event, the branch, the clone URL and the clone.
import type { IncomingHttpHeaders } from 'node:http';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { isAppName, parseCommitSha, parseGitRef, type GitRef } from '../../common/names/validate.js';
import type { ControlDeps } from '../server/deps.js';
import { cloneSource } from './clone.js';
import { resolveCloneUrl, type Lookup } from './clone-url.js';
import type { App } from '../store/types.js';
import { decodeBody, parsePush, type Provider } from './payload.js';
import { REPLAY_WINDOW_SECONDS, type DeliveryMemory } from './replay.js';
import { allowPrivateUrls } from './settings.js';
import { verifyGithubSignature, verifyGitlabToken } from './signature.js';

export interface Delivery {
  provider: Provider;
  app: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Outcome {
  status: number;
  body: Record<string, unknown>;
  /** What the audit event records about the delivery. */
  details: Record<string, unknown>;
}

// Checked against when the app is unknown or has no secret, so every refusal costs the same work.
const NO_SECRET = 'x'.repeat(64);

function authentic(d: Delivery, secret: string): boolean {
  return d.provider === 'github'
    ? verifyGithubSignature(secret, d.body, d.headers['x-hub-signature-256'])
    : verifyGitlabToken(secret, d.headers['x-gitlab-token']);
}

/** `main` and `refs/heads/main` both name the branch `main`. */
export function branchName(deployBranch: string): GitRef {
  return parseGitRef(parseGitRef(deployBranch).replace(/^refs\/heads\//, ''));
}

export interface DeliveryOptions {
  /** Remembers deliveries so a replay is refused; without it nothing is remembered (unit use). */
  deliveries?: DeliveryMemory;
  lookup?: Lookup;
}

export async function handleDelivery(deps: ControlDeps, d: Delivery, opts: DeliveryOptions = {}): Promise<Outcome> {
  const app = isAppName(d.app) ? await deps.store.apps.get(d.app) : null;
  const ok = authentic(d, app?.webhookSecret ?? NO_SECRET);
  // One answer for "no such app", "webhooks off" and "wrong signature": a caller without the
  // secret learns nothing, not even whether the app exists.
  if (!app || app.webhookSecret === null || !ok) throw new DeployFlowError('DF_ERR_WEBHOOK_REJECTED');
  // Claimed only once authentic, so nobody without the secret can fill the memory or block a
  // delivery in advance; given back when the delivery fails, so a fixed one can be redelivered.
  const release = opts.deliveries ? await opts.deliveries.claim(app.name, d.provider, d.headers, d.body) : null;
  try {
    return await handleAuthentic(deps, app, d, opts.lookup);
  } catch (err) {
    await release?.();
    throw err;
  }
}

async function handleAuthentic(deps: ControlDeps, app: App, d: Delivery, lookup: Lookup | undefined): Promise<Outcome> {
  const event = String(d.headers[d.provider === 'github' ? 'x-github-event' : 'x-gitlab-event'] ?? '');
  if (d.provider === 'github' && event === 'ping') return { status: 200, body: { ok: true, event: 'ping' }, details: { event } };
  if (event !== (d.provider === 'github' ? 'push' : 'Push Hook'))
    return { status: 202, body: { ignored: 'event' }, details: { event, ignored: 'event' } };

  const push = parsePush(d.provider, decodeBody(d.body, d.headers['content-type']));
  // A push GitHub dates (repository.pushed_at) older than the replay window is a replay the
  // delivery memory may have forgotten.
  if (push.pushedAt !== null && deps.clock() - push.pushedAt * 1000 > REPLAY_WINDOW_SECONDS * 1000) {
    throw new DeployFlowError('DF_ERR_WEBHOOK_REPLAYED');
  }
  const branch = branchName(app.deployBranch);
  const details: Record<string, unknown> = { event, ref: push.ref.slice(0, 300), commit: push.commit };
  if (push.ref !== `refs/heads/${branch}`) return { status: 202, body: { ignored: 'branch' }, details: { ...details, ignored: 'branch' } };
  if (push.deleted) return { status: 202, body: { ignored: 'deleted' }, details: { ...details, ignored: 'deleted' } };
  if (!deps.deploy) throw new DeployFlowError('DF_ERR_UNAVAILABLE', 'Deploys need the Docker Engine, which is not available');

  // The URL is checked now, so a refused repository is the sender's answer; the clone itself
  // is the deployment's first step, so the sender gets 202 at once (GitHub gives up after 10 s)
  // and a clone that fails shows as a failed deployment with its reason.
  const target = await resolveCloneUrl(push.cloneUrl, {
    allowPrivate: await allowPrivateUrls(deps.store.settings),
    ...(lookup ? { lookup } : {}),
  });
  const commit = push.commit ? parseCommitSha(push.commit) : null;
  const { deployment } = await deps.deploy.enqueue({
    app: app.name,
    origin: 'webhook',
    commit,
    ref: push.ref,
    createdBy: null,
    source: cloneSource(target, branch, commit),
  });
  return { status: 202, body: { deploymentId: deployment.id }, details: { ...details, deploymentId: deployment.id } };
}
