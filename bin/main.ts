// `deployflow up` starts the platform as supervised processes (supervisor/); `deployflow <service>…`
// runs those services in this one process (the split layout, and each process `up` supervises);
// `deployflow down` stops what `up` started; `deployflow doctor` checks the machine.
// A bad configuration stops the start with one line naming the variable.
import { ConfigError, loadConfig, type Config } from '../common/config/config.js';
import { createLogger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import type { ControlDeps } from '../control/server/deps.js';
import { runDoctor } from '../doctor/index.js';
import { banner } from '../supervisor/banner.js';
import { runDown } from '../supervisor/down.js';
import { runUp } from '../supervisor/index.js';
import { isSupervised, reportReady } from '../supervisor/protocol.js';
import { hostsFileSetting } from '../supervisor/hosts/setting.js';
import { SERVICE_NAMES, startService, type ServiceName } from './services.js';

const USAGE = `usage: deployflow up | down | doctor | <service>... (services: ${SERVICE_NAMES.join(' ')})`;

function configOrExit(): Config {
  try {
    const config = loadConfig();
    hostsFileSetting();
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`deployflow: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}

/** Runs the named services in this process until SIGINT/SIGTERM (or, supervised, until the supervisor is gone). */
async function runServices(names: ServiceName[], config: Config): Promise<void> {
  const log = createLogger('deployflow', config.logLevel);
  const running: RunningService[] = [];
  let stopping: Promise<void> | null = null;
  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      for (const service of running.reverse()) await service.stop().catch((err: unknown) => log.error({ err }, `stopping ${service.name}`));
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().then(() => process.exit(0)));
  }
  const supervised = isSupervised();
  // Nobody is left to restart this process or to stop it: stop, freeing the ports for the next `up`.
  if (supervised) process.once('disconnect', () => void stopAll().then(() => process.exit(0)));
  const shared: { control?: ControlDeps } = {};
  try {
    for (const name of names) running.push(await startService(name, config, log.child({ service: name }), shared));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    console.error(
      `deployflow: could not start: ${typeof code === 'string' && code.startsWith('DF_ERR_') ? `${code}: ` : ''}${(err as Error).message}`,
    );
    await stopAll();
    process.exit(1);
  }
  if (supervised) reportReady(running.map((s) => ({ name: s.name, addresses: s.addresses })));
  else console.log(banner(config, running));
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0];
  if (command === 'up' && argv.length === 1) return runUp(configOrExit());
  if (command === 'down' && argv.length === 1) process.exit(await runDown(configOrExit()));
  if (command === 'doctor' && argv.length === 1) process.exit(await runDoctor(configOrExit()));
  const names = SERVICE_NAMES.filter((n) => argv.includes(n));
  if (argv.length === 0 || names.length !== new Set(argv).size) {
    console.error(USAGE);
    process.exit(2);
  }
  await runServices(names, configOrExit());
}

await main(process.argv.slice(2));
