// The one place that executes Docker plans. Each method is a thin, well-named call; deciding
// what to create lives in specs.ts, deciding when lives in release/.
import type Docker from 'dockerode';
import { appFilter } from './names.js';
import { demuxLogs } from './logs.js';
import type { ContainerPlan } from './specs.js';

export interface ContainerState {
  running: boolean;
  status: string;
  exitCode: number;
  restartCount: number;
  hostPort: number | undefined;
  error: string;
}

function statusCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err ? Number((err as { statusCode: unknown }).statusCode) : undefined;
}

export class DockerRunner {
  constructor(readonly docker: Docker) {}

  /** Creates the network unless it exists; true when this call created it. */
  async ensureNetwork(options: Docker.NetworkCreateOptions): Promise<boolean> {
    const exists = await this.docker.getNetwork(options.Name).inspect().then(() => true, () => false);
    if (exists) return false;
    try {
      await this.docker.createNetwork(options);
      return true;
    } catch (err) {
      if (statusCode(err) === 409) return false; // created concurrently
      throw err;
    }
  }

  async ensureVolume(options: Docker.VolumeCreateOptions): Promise<void> {
    // Creating an existing named volume returns it unchanged, data included.
    await this.docker.createVolume(options);
  }

  async createAndStart(plan: ContainerPlan): Promise<string> {
    const container = await this.docker.createContainer(plan.options);
    await container.start();
    return container.id;
  }

  async start(id: string): Promise<void> {
    await this.docker.getContainer(id).start().catch((err: unknown) => { if (statusCode(err) !== 304) throw err; });
  }

  async state(id: string, port: number): Promise<ContainerState> {
    const info = await this.docker.getContainer(id).inspect();
    const binding = info.NetworkSettings?.Ports?.[`${port}/tcp`]?.find((b) => b.HostIp === '127.0.0.1') ?? info.NetworkSettings?.Ports?.[`${port}/tcp`]?.[0];
    return {
      running: info.State.Running && !info.State.Restarting,
      status: info.State.Restarting ? 'restarting' : info.State.Status,
      exitCode: info.State.ExitCode,
      restartCount: info.RestartCount ?? 0,
      hostPort: binding?.HostPort ? Number(binding.HostPort) : undefined,
      error: info.State.Error ?? '',
    };
  }

  async tailLogs(id: string, lines = 30): Promise<string[]> {
    const out = await this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false });
    return demuxLogs(Buffer.isBuffer(out) ? out : Buffer.from(String(out)));
  }

  list(app: string): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: appFilter(app) });
  }

  async stop(id: string, graceSeconds = 10): Promise<void> {
    await this.docker.getContainer(id).stop({ t: graceSeconds }).catch((err: unknown) => {
      if (statusCode(err) !== 304 && statusCode(err) !== 404) throw err;
    });
  }

  async remove(id: string): Promise<void> {
    await this.docker.getContainer(id).remove({ force: true, v: true }).catch((err: unknown) => {
      if (statusCode(err) !== 404) throw err;
    });
  }
}
