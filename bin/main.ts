// `deployflow up` starts every service in one process; `deployflow <service>` starts one.
// A bad configuration stops the start with one line naming the variable.
import { ConfigError, loadConfig, type Config } from '../common/config/config.js';
import { createLogger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import type { ControlDeps } from '../control/server/deps.js';
import { NEEDS_REDIS, SERVICE_NAMES, startService, type ServiceName } from './services.js';

const USAGE = `usage: deployflow up | ${SERVICE_NAMES.join(' | ')}`;

function banner(config: Config, running: RunningService[]): string {
  const lines = running.map((s) => `  ${s.name.padEnd(8)} ${s.addresses.join(', ')}`);
  return [
    'DeployFlow is running:',
    ...lines,
    `Dashboard and API: ${config.publicUrl} (direct: http://127.0.0.1:${config.controlPort})`,
    `Apps answer at http://<app>.${config.domain}${config.gatewayHttpPort === 80 ? '' : `:${config.gatewayHttpPort}`}`,
    'First push: register in the dashboard, create an app and an API token, then',
    `  git remote add deployflow http://${config.domain}:${config.gitHttpPort}/<app>.git && git push deployflow main`,
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0];
  const single = SERVICE_NAMES.find((n) => n === command);
  const names: ServiceName[] | null = command === 'up' ? [...SERVICE_NAMES] : single ? [single] : null;
  if (!names) {
    console.error(USAGE);
    process.exit(2);
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`deployflow: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger('deployflow', config.logLevel);
  const running: RunningService[] = [];
  const stopAll = async (): Promise<void> => {
    for (const service of running.reverse()) await service.stop().catch((err: unknown) => log.error({ err }, `stopping ${service.name}`));
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().then(() => process.exit(0)));
  }
  const shared: { control?: ControlDeps } = {};
  try {
    for (const name of names) {
      if (command === 'up' && NEEDS_REDIS.has(name) && !config.redisUrl) {
        console.log(`deployflow: not starting ${name}: it follows the route table in Redis, set REDIS_URL`);
        continue;
      }
      running.push(await startService(name, config, log.child({ service: name }), shared));
    }
  } catch (err) {
    console.error(`deployflow: could not start: ${(err as Error).message}`);
    await stopAll();
    process.exit(1);
  }
  console.log(banner(config, running));
}

await main(process.argv.slice(2));
