// Runs the resolver alone for the benchmark; prints "dns ready" once listening.
import { loadConfig } from '../../common/config/config.js';
import { createLogger } from '../../common/log/logger.js';
import { startDns } from '../../dns/index.js';

const dns = await startDns(loadConfig(), createLogger('dns', 'warn'));
console.log(`dns ready ${dns.addresses.join(' ')}`);
process.on('SIGTERM', () => {
  void dns.stop().then(() => process.exit(0));
});
