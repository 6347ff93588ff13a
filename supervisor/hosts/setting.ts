// DEPLOYFLOW_HOSTS_FILE: the hosts file `deployflow up` keeps a managed block in, so the platform's
// URLs resolve on the machine that runs it. `make up` sets /etc/hosts; unset or `off`: none.
import { ConfigError } from '../../common/config/config.js';

export function hostsFileSetting(env: Record<string, string | undefined> = process.env): string | null {
  const raw = env.DEPLOYFLOW_HOSTS_FILE;
  if (raw === undefined || raw === '' || raw === 'off') return null;
  if (!/^\/[^\0\n]{1,1000}$/.test(raw)) throw new ConfigError('DEPLOYFLOW_HOSTS_FILE', `must be an absolute path or "off", got "${raw}"`);
  return raw;
}
