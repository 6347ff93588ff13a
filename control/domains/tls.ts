// The local CA's certificate, for users to trust the gateway's HTTPS on *.<domain>. A CA
// certificate is public by nature, so this needs no login.
import { defineRoute, RESPONDED, type RouteSpec } from '../api/route.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { caCertificatePem } from '../../gateway/index.js';

export const tlsRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get', path: '/tls/ca.pem', tag: 'domains', access: 'public', summary: "The local CA certificate (PEM) that signs the gateway's certificates",
    handler: async (ctx) => {
      let pem: string;
      try {
        pem = caCertificatePem(ctx.deps.config);
      } catch {
        throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No local CA yet: it is made when the gateway first starts');
      }
      ctx.res.type('application/x-pem-file').setHeader('Content-Disposition', 'attachment; filename="deployflow-ca.pem"');
      ctx.res.send(pem);
      return RESPONDED;
    },
  }),
];
