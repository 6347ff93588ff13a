import type { Config } from '../../common/config/config.js';
import type { App } from '../store/types.js';

/** Every host an app answers on: `<app>.<domain>` and its custom domains. */
export function appHosts(config: Config, app: App): string[] {
  return [`${app.name}.${config.domain}`, ...app.domains];
}
