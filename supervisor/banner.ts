// What `deployflow up` prints once everything answers: where each service listens and the URLs
// a user types next.
import type { Config } from '../common/config/config.js';
import type { StartedService } from './protocol.js';

export function banner(config: Config, running: StartedService[], notes: string[] = []): string {
  const lines = running.map((s) => `  ${s.name.padEnd(8)} ${s.addresses.join(', ')}`);
  return [
    'DeployFlow is running:',
    ...lines,
    `Dashboard and API: ${config.publicUrl} (direct: http://127.0.0.1:${config.controlPort})`,
    `Apps answer at http://<app>.${config.domain}${config.gatewayHttpPort === 80 ? '' : `:${config.gatewayHttpPort}`}`,
    'First push: register in the dashboard, create an app and an API token, then',
    `  git remote add deployflow http://${config.domain}:${config.gitHttpPort}/<app>.git && git push deployflow main`,
    ...notes,
  ].join('\n');
}
