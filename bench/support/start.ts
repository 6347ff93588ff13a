// What several benchmarks start before they measure, started one way: the nginx upstream the proxy
// rows share, a private Redis with the route table's publisher, the gateway in its own process or
// in this one, and the wait for a container's first 200 that the floors time.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type Docker from 'dockerode';
import { Redis } from 'ioredis';
import type { Config } from '../../common/config/config.js';
import { createLogger } from '../../common/log/logger.js';
import { createRoutePublisher, type RoutePublisher } from '../../common/routes/index.js';
import { startGateway } from '../../gateway/index.js';
import { freePort, start, startNginx, startRedis, stop, tmpDir, waitForLine } from './procs.js';

/** An nginx on 127.0.0.1 answering every request with a short body: the upstream every proxy row shares. */
export async function startNginxUpstream(): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = await startNginx(
    `server { listen 127.0.0.1:${port}; keepalive_requests 100000; location / { return 200 "hello from the upstream\\n"; } }`,
    port,
  );
  return { port, child };
}

export interface RouteTable {
  /** The private Redis, for REDIS_URL. */
  url: string;
  publisher: RoutePublisher;
  stop(): Promise<void>;
}

/** A private Redis and a publisher of the route table in it. */
export async function startRouteTable(): Promise<RouteTable> {
  const redis = await startRedis();
  const client = new Redis(redis.url);
  return {
    url: redis.url,
    publisher: createRoutePublisher(client),
    stop: async () => {
      client.disconnect();
      await stop(redis.child);
    },
  };
}

export interface GatewayProcessOptions {
  /** More environment (GATEWAY_WORKERS, GATEWAY_ENGINE, a GATEWAY_ACCESS_LOG other than off…). */
  env?: Record<string, string>;
  /** The tree whose bench/support/gateway-process.ts runs (another commit's, for a baseline); default: this one. */
  tree?: string;
  /** Node flags before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  dataDirPrefix?: string;
}

/** The gateway alone in its own process (as `bin/deployflow gateway` runs it), once it says it is ready. */
export async function startGatewayProcess(redisUrl: string, o: GatewayProcessOptions = {}): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const script = path.join(o.tree ?? process.cwd(), 'bench/support/gateway-process.ts');
  const child = start(process.execPath, [...(o.nodeArgs ?? []), '--import', 'tsx', script], {
    REDIS_URL: redisUrl,
    DEPLOYFLOW_DATA_DIR: tmpDir(o.dataDirPrefix ?? 'df-bench-gw-'),
    DEPLOYFLOW_BIND: '127.0.0.1',
    GATEWAY_HTTP_PORT: String(port),
    GATEWAY_HTTPS_PORT: String(await freePort()),
    GATEWAY_ACCESS_LOG: 'off',
    ...o.env,
  });
  await waitForLine(child, /gateway ready/);
  return { port, child };
}

/** The gateway in this process, on free ports, with control's configuration (the same Redis and domain). */
export async function startGatewayInProcess(config: Config): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const gateway = await startGateway(
    { ...config, gatewayHttpPort: port, gatewayHttpsPort: await freePort() },
    createLogger('gateway', 'silent'),
  );
  return { port, stop: () => gateway.stop() };
}

/** The host port a container's 8080 is published on (127.0.0.1). */
export async function publishedPort(container: Docker.Container): Promise<number> {
  return Number((await container.inspect()).NetworkSettings.Ports['8080/tcp']![0]!.HostPort);
}

/** Until GET / on the 127.0.0.1 port answers 2xx, asking every `pollMs`. */
export async function firstOk(port: number, pollMs = 20): Promise<void> {
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
