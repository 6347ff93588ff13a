// Keeps the managed block of a hosts file in step with the route table: the apex at once, an
// app's name as soon as its route is published, gone when its route goes. Follows the table the
// way the gateway does (the last table is kept while Redis is away); the block is removed at stop.
import type { Config } from '../../common/config/config.js';
import { RouteTableConsumer } from '../../common/routes/index.js';
import { runDir } from '../run-dir.js';
import { localAddress, platformNames, withBlock } from './block.js';
import { forgetHostsFile, recordHostsFile, removeManagedBlock, rewriteHostsFile } from './file.js';

export interface HostsSync {
  file: string;
  /** The block is in the file (false when the file could not be written, e.g. not root). */
  inPlace(): boolean;
  stop(): Promise<void>;
}

export async function startHostsSync(file: string, config: Config, say: (line: string) => void): Promise<HostsSync> {
  const consumer = new RouteTableConsumer({ redisUrl: config.redisUrl! });
  const address = localAddress(config.bind);
  let written = '';
  let timer: NodeJS.Timeout | undefined;
  let warned = false;
  const write = (): void => {
    const names = platformNames(config.domain, consumer.routes.keys());
    const key = names.join(' ');
    if (key === written) return;
    try {
      rewriteHostsFile(file, (text) => withBlock(text, address, names));
      written = key;
    } catch (err) {
      // Not fatal: the platform serves; only the names on this machine are missing.
      if (!warned)
        say(`deployflow: could not update ${file} (${(err as Error).message}); names under ${config.domain} will not resolve here`);
      warned = true;
    }
  };
  recordHostsFile(runDir(config.dataDir), file);
  await consumer.start();
  write();
  consumer.on('change', () => {
    clearTimeout(timer);
    timer = setTimeout(write, 100);
  });
  return {
    file,
    inPlace: () => written !== '',
    async stop() {
      clearTimeout(timer);
      await consumer.stop();
      try {
        removeManagedBlock(file);
      } catch (err) {
        say(`deployflow: could not remove the DeployFlow block from ${file}: ${(err as Error).message}`);
      }
      forgetHostsFile(runDir(config.dataDir));
    },
  };
}
