// The local CA's certificate, for users to trust the gateway's HTTPS on *.<domain>, as the gateway
// published it in Redis. A CA certificate is public by nature, so this needs no login.
import { defineRoute, RESPONDED, type RouteSpec } from '../api/route.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { readLocalCaCertificate } from '../../common/certificates/index.js';
import { certificateRedis } from './app-domain.js';

export const tlsRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/tls/ca.pem',
    tag: 'domains',
    access: 'public',
    summary: "The local CA certificate (PEM) that signs the gateway's certificates",
    handler: async (ctx) => {
      const pem = await readLocalCaCertificate(certificateRedis(ctx.deps));
      if (!pem) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No local CA yet: it is made when the gateway first starts');
      ctx.res.type('application/x-pem-file').setHeader('Content-Disposition', 'attachment; filename="deployflow-ca.pem"');
      ctx.res.send(pem);
      return RESPONDED;
    },
  }),
];
