// A cluster worker: a whole gateway with the primary's validated config, stopped (drained) on
// the primary's 'stop' message.
import type { Config } from '../../common/config/config.js';
import { createLogger } from '../../common/log/logger.js';
import { startGateway } from '../index.js';
import { WORKER_CONFIG_ENV } from './primary.js';

const config = JSON.parse(process.env[WORKER_CONFIG_ENV] ?? '{}') as Config;
const gateway = await startGateway(config, createLogger('gateway', config.logLevel));
process.send?.('ready');
process.on('message', (m: unknown) => {
  if (m === 'stop') void gateway.stop().finally(() => process.exit(0));
});
process.on('disconnect', () => {
  void gateway.stop().finally(() => process.exit(0));
});
