// The addresses a user is shown for an app: where it answers and where to push.
import type { Config } from '../../common/config/config.js';

function withPort(scheme: 'http' | 'https', host: string, port: number): string {
  const defaultPort = scheme === 'http' ? 80 : 443;
  return port === defaultPort ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}

export function appUrl(config: Config, app: string): string {
  return withPort('http', `${app}.${config.domain}`, config.gatewayHttpPort);
}

export function gitUrls(config: Config, app: string): { http: string; ssh: string } {
  return {
    http: `${withPort('http', config.domain, config.gitHttpPort)}/${app}.git`,
    ssh: `ssh://git@${config.domain}:${config.gitSshPort}/${app}.git`,
  };
}
