// The one place that executes Docker plans. Each method is a thin, well-named call; deciding
// what to create lives in specs.ts, deciding when lives in release/.
import type Docker from 'dockerode';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { appFilter, LABEL_APP, LABEL_VOLUME } from './names.js';
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
    const exists = await this.docker
      .getNetwork(options.Name)
      .inspect()
      .then(
        () => true,
        () => false,
      );
    if (exists) return false;
    try {
      await this.docker.createNetwork(options);
      return true;
    } catch (err) {
      if (statusCode(err) === 409) return false; // created concurrently
      throw err;
    }
  }

  /**
   * The Docker volume an app's mount uses: `plan.Name`, created when missing; or `legacy`, the
   * name from before, when that one exists and is labelled for this app (its data is kept). A
   * volume under either name that is labelled for another app is never mounted: Docker's create
   * returns an existing volume unchanged, data included.
   */
  async claimVolume(plan: Docker.VolumeCreateOptions, legacy: string): Promise<string> {
    const labels = plan.Labels ?? {};
    const owner = labels[LABEL_APP];
    const current = await this.volumeLabels(plan.Name!);
    if (current === null) {
      const old = await this.volumeLabels(legacy);
      if (old !== null && old[LABEL_APP] === owner && (old[LABEL_VOLUME] ?? labels[LABEL_VOLUME]) === labels[LABEL_VOLUME]) return legacy;
      await this.docker.createVolume(plan);
      return plan.Name!;
    }
    if (current[LABEL_APP] !== owner || current[LABEL_VOLUME] !== labels[LABEL_VOLUME]) {
      throw new DeployFlowError(
        'DF_ERR_CONFLICT',
        `Docker volume ${plan.Name} exists but does not belong to this app's volume "${labels[LABEL_VOLUME]}"`,
      );
    }
    return plan.Name!;
  }

  /** A volume's labels, or null when there is no such volume. */
  private async volumeLabels(name: string): Promise<Record<string, string> | null> {
    try {
      const info = (await this.docker.getVolume(name).inspect()) as { Labels?: Record<string, string> | null };
      return info.Labels ?? {};
    } catch (err) {
      if (statusCode(err) === 404) return null;
      throw err;
    }
  }

  async createAndStart(plan: ContainerPlan): Promise<string> {
    const container = await this.docker.createContainer(plan.options);
    await container.start();
    return container.id;
  }

  async start(id: string): Promise<void> {
    await this.docker
      .getContainer(id)
      .start()
      .catch((err: unknown) => {
        if (statusCode(err) !== 304) throw err;
      });
  }

  async state(id: string, port: number): Promise<ContainerState> {
    const info = await this.docker.getContainer(id).inspect();
    const binding =
      info.NetworkSettings?.Ports?.[`${port}/tcp`]?.find((b) => b.HostIp === '127.0.0.1') ??
      info.NetworkSettings?.Ports?.[`${port}/tcp`]?.[0];
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
    await this.docker
      .getContainer(id)
      .stop({ t: graceSeconds })
      .catch((err: unknown) => {
        if (statusCode(err) !== 304 && statusCode(err) !== 404) throw err;
      });
  }

  async remove(id: string): Promise<void> {
    await this.docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch((err: unknown) => {
        if (statusCode(err) !== 404) throw err;
      });
  }
}
