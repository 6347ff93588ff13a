// What a client sees of a deployment record, the same over HTTP (the deployments API) and over
// Socket.IO (`deployment:status`): the CLI and the dashboard read both with one type.
import { z } from 'zod';
import type { Deployment } from '../store/types.js';

export const DeploymentView = z.object({
  id: z.string(),
  app: z.string(),
  status: z.enum(['queued', 'building', 'deploying', 'running', 'failed', 'superseded', 'cancelled']),
  commit: z.string().nullable(),
  ref: z.string().nullable(),
  image: z.string().nullable(),
  source: z.string(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
  error: z.string().nullable(),
  errorCode: z
    .string()
    .nullable()
    .describe(
      "The failure's DF_ERR_* code (common/errors/catalogue.ts), e.g. DF_ERR_BUILD_REFUSED or DF_ERR_HEALTHCHECK_FAILED; DF_ERR_INTERNAL for an unexpected failure; null unless failed (and on deployments that failed before codes were kept)",
    ),
});

export function deploymentView(d: Deployment): z.infer<typeof DeploymentView> {
  return {
    id: d.id,
    app: d.app,
    status: d.status,
    commit: d.commit,
    ref: d.ref,
    image: d.image,
    source: d.source,
    createdAt: d.createdAt,
    finishedAt: d.finishedAt,
    error: d.error,
    errorCode: d.errorCode,
  };
}
