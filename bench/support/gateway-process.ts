// Runs the gateway alone for the benchmarks (as `bin/deployflow gateway` would), configured by the
// environment; prints "gateway ready" once listening.
import { loadConfig } from '../../common/config/config.js';
import { createLogger } from '../../common/log/logger.js';
import { startGateway } from '../../gateway/index.js';

const gateway = await startGateway(loadConfig(), createLogger('gateway', 'warn'));
console.log(`gateway ready ${gateway.addresses.join(' ')}`);
process.on('SIGTERM', () => {
  void gateway.stop().then(() => process.exit(0));
});
