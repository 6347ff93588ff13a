// The webhook endpoints as a raw-body router: signatures are computed over the exact bytes
// received, so this is mounted (through ControlAppOptions.rawRouters) before JSON parsing.
// Every delivery is audited, refused ones included, like every declared route.
import { randomUUID } from 'node:crypto';
import express, { type Request, type Router } from 'express';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { isAppName } from '../../common/names/validate.js';
import { toDeployFlowError } from '../http/errors.js';
import type { ControlDeps } from '../server/deps.js';
import { handleDelivery } from './handle.js';
import type { Provider } from './payload.js';
import { DeliveryMemory } from './replay.js';

/** GitHub caps payloads at 25 MB but a push payload is far smaller; 5 MB leaves room for huge pushes. */
export const WEBHOOK_BODY_LIMIT = 5 * 1024 * 1024;

const PROVIDERS: readonly Provider[] = ['github', 'gitlab'];

function readRaw(req: Request, res: express.Response): Promise<Buffer> {
  const parse = express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT });
  return new Promise((resolve, reject) => {
    parse(req, res, (err?: unknown) => {
      if (err) reject(err);
      else resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    });
  });
}

export function webhookRouter(deps: ControlDeps): Router {
  const router = express.Router();
  const deliveries = new DeliveryMemory(deps.redis);
  for (const provider of PROVIDERS) {
    router.post(`/webhooks/${provider}/:app`, async (req, res, next) => {
      const app = req.params.app ?? '';
      let details: Record<string, unknown> = {};
      let failure: DeployFlowError | null = null;
      try {
        const body = await readRaw(req, res);
        const outcome = await handleDelivery(deps, { provider, app, headers: req.headers, body }, { deliveries });
        details = outcome.details;
        res.status(outcome.status).json(outcome.body);
      } catch (err) {
        failure = toDeployFlowError(err);
        if (failure.code === 'DF_ERR_INTERNAL') deps.log.error({ err, provider }, 'webhook failed');
        next(failure);
      } finally {
        await audit(deps, provider, app, req, failure ? { ...details, error: failure.code } : details, failure ? 'error' : 'ok');
      }
    });
  }
  return router;
}

async function audit(
  deps: ControlDeps,
  provider: Provider,
  app: string,
  req: Request,
  details: Record<string, unknown>,
  result: 'ok' | 'error',
): Promise<void> {
  try {
    await deps.store.audit.append({
      id: randomUUID(),
      at: deps.clock(),
      actorId: null,
      actorEmail: null,
      action: `webhook.${provider}`,
      // A name that is not even an app name is not echoed into the log.
      target: isAppName(app) ? `app:${app}` : null,
      result,
      ip: req.ip ?? req.socket.remoteAddress ?? null,
      details,
    });
  } catch (auditErr) {
    deps.log.error({ err: auditErr, provider }, 'audit write failed');
  }
}
