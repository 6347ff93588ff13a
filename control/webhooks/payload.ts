// What a push webhook says, reduced to what a deploy needs (pure): the ref, the pushed commit
// and the repository's clone URL. Only the fields we use are read; the rest may be anything.
import { z } from 'zod';
import { DeployFlowError } from '../../common/errors/catalogue.js';

export type Provider = 'github' | 'gitlab';

export interface PushInfo {
  ref: string;
  /** The pushed head; null when the provider did not say. */
  commit: string | null;
  /** True for a branch deletion (the new commit is all zeros): nothing to deploy. */
  deleted: boolean;
  cloneUrl: string;
  /** When the provider says the push happened (epoch seconds; GitHub's repository.pushed_at), else null. */
  pushedAt: number | null;
}

const Sha = z.string().regex(/^[0-9a-f]{40}$/);
const GithubPush = z.object({
  ref: z.string().max(300),
  after: Sha.optional(),
  deleted: z.boolean().optional(),
  repository: z.object({ clone_url: z.string().max(2048), pushed_at: z.unknown().optional() }),
});
const GitlabPush = z.object({
  ref: z.string().max(300),
  after: Sha.optional(),
  checkout_sha: Sha.nullable().optional(),
  project: z.object({ git_http_url: z.string().max(2048) }),
});

const ZERO = '0'.repeat(40);

/** JSON body, or GitHub's form encoding (`payload=<json>`) when the hook was set up that way. */
export function decodeBody(raw: Buffer, contentType: string | undefined): unknown {
  let text = raw.toString('utf8');
  if (contentType?.startsWith('application/x-www-form-urlencoded')) text = new URLSearchParams(text).get('payload') ?? '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DeployFlowError('DF_ERR_BAD_JSON');
  }
}

export function parsePush(provider: Provider, body: unknown): PushInfo {
  if (provider === 'github') {
    const p = GithubPush.safeParse(body);
    if (!p.success) throw invalid(p.error);
    const deleted = p.data.deleted === true || p.data.after === ZERO;
    // pushed_at is epoch seconds in push payloads (an ISO date in other events): only a number counts.
    const pushedAt = typeof p.data.repository.pushed_at === 'number' ? p.data.repository.pushed_at : null;
    return { ref: p.data.ref, commit: deleted ? null : (p.data.after ?? null), deleted, cloneUrl: p.data.repository.clone_url, pushedAt };
  }
  const p = GitlabPush.safeParse(body);
  if (!p.success) throw invalid(p.error);
  const deleted = p.data.after === ZERO;
  // checkout_sha is the head GitLab means to build; `after` is the same for plain pushes.
  const commit = deleted ? null : (p.data.checkout_sha ?? p.data.after ?? null);
  return { ref: p.data.ref, commit, deleted, cloneUrl: p.data.project.git_http_url, pushedAt: null };
}

function invalid(error: z.ZodError): DeployFlowError {
  const issue = error.issues[0];
  return new DeployFlowError(
    'DF_ERR_VALIDATION',
    `Invalid push payload: ${issue?.path.join('.') || 'body'} ${issue?.message ?? ''}`.trim(),
  );
}
