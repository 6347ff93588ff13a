// Every Docker name the builder makes, derived from validated inputs only (pure): image tags,
// container names, volume names, labels. Anything user-supplied is checked before it gets here.
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { parseAppName, parseVolumeName, type AppName } from '../../common/names/validate.js';

export const LABEL_APP = 'deployflow.app';
export const LABEL_DEPLOYMENT = 'deployflow.deployment';
export const LABEL_REPLICA = 'deployflow.replica';
export const LABEL_PORT = 'deployflow.port';
export const LABEL_VOLUME = 'deployflow.volume';
export const DEFAULT_NETWORK = 'paas-network';

const DEPLOYMENT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const LABEL_KEY = /^[a-z0-9][a-z0-9._-]{0,127}$/;
// Repositories are lower case; tags (deployment ids) may not be.
const IMAGE_REF =
  /^(?:sha256:[0-9a-f]{64}|(?:[a-z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9][a-z0-9._\-/]*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[0-9a-f]{64})?)$/;

export function parseDeploymentId(value: unknown): string {
  if (typeof value !== 'string' || !DEPLOYMENT_ID.test(value)) {
    throw new DeployFlowError('DF_ERR_VALIDATION', 'A deployment id is 1-64 letters, digits, "-" or "_"');
  }
  return value;
}

export function parseImageRef(value: unknown): string {
  if (typeof value !== 'string' || value.length > 255 || !IMAGE_REF.test(value))
    throw new DeployFlowError('DF_ERR_VALIDATION', 'That is not a valid image reference');
  return value;
}

export function imageRepo(app: AppName): string {
  return `deployflow/${app}`;
}

export function imageTag(app: AppName, deploymentId: string): string {
  return `${imageRepo(app)}:${parseDeploymentId(deploymentId)}`;
}

/** Short enough for `docker ps`, unique per deployment in practice. */
export function deploymentShort(deploymentId: string): string {
  return parseDeploymentId(deploymentId).replace(/[-_]/g, '').slice(0, 12).toLowerCase() || 'd';
}

export function containerName(app: AppName, deploymentId: string, replica: number): string {
  return `${app}.${deploymentShort(deploymentId)}.${replica}`;
}

/**
 * Docker's name for an app's volume. The dot cannot occur in app or volume names, so no two
 * (app, volume) pairs share one — with the dash used before, app `shop` + volume `db-data` and
 * app `shop-db` + volume `data` were the same Docker volume.
 */
export function volumeName(app: AppName, name: unknown): string {
  return `deployflow.${app}.${parseVolumeName(name)}`;
}

/** The ambiguous name volumes had before; still mounted when labelled for the same app (see claimVolume). */
export function legacyVolumeName(app: AppName, name: unknown): string {
  return `deployflow-${app}-${parseVolumeName(name)}`;
}

/** Labels every object of an app carries; extra labels (tests, tooling) cannot override them. */
export function checkedLabels(labels: Record<string, string>): Record<string, string> {
  for (const key of Object.keys(labels)) {
    if (!LABEL_KEY.test(key)) throw new DeployFlowError('DF_ERR_VALIDATION', `Bad label key "${key.slice(0, 50)}"`);
  }
  return labels;
}

export function appLabels(app: AppName, deploymentId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...checkedLabels(extra), [LABEL_APP]: app, [LABEL_DEPLOYMENT]: parseDeploymentId(deploymentId) };
}

export function appFilter(appValue: unknown): { label: string[] } {
  return { label: [`${LABEL_APP}=${parseAppName(appValue)}`] };
}
