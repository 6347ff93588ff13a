// Deleting an app, from its own route or with the account that owned it: the record with its env
// vars and deployments, the certificates and keys of its domains, its pending domain claims and
// invitations; the `app.deleted` event then takes its containers, routes and ACME state away.
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { forgetDomainCertificates } from '../domains/certificates.js';
import { forgetClaims } from '../domains/verification.js';
import type { ControlDeps } from '../server/deps.js';
import type { App } from '../store/types.js';

export async function removeApp(deps: ControlDeps, app: App): Promise<void> {
  if (!(await deps.store.apps.delete(app.name))) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
  // Before answering: the next app to claim one of these domains must not find their certificates.
  await forgetDomainCertificates(deps, app.domains);
  // Pending claims go too: an app created later under this name starts with none.
  await forgetClaims(deps.store, app.name);
  // And its invitations: an app created later under this name must not take them in.
  await deps.store.invitations.revokeForApp(app.name, deps.clock());
  deps.events.emit('app.deleted', app);
}
