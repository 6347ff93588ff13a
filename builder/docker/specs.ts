// What a release asks of Docker, as data (pure): the validated release spec and the container,
// network and volume create options derived from it. The runner executes these; nothing here
// talks to Docker, so every security-relevant option is unit-testable.
import type Docker from 'dockerode';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { checkEnvValue, parseAppName, parseContainerPath, parseEnvKey, type AppName } from '../../common/names/validate.js';
import {
  appLabels,
  containerName,
  DEFAULT_NETWORK,
  LABEL_APP,
  LABEL_PORT,
  LABEL_REPLICA,
  LABEL_VOLUME,
  legacyVolumeName,
  parseDeploymentId,
  parseImageRef,
  volumeName,
} from './names.js';

export type HealthCheck = { path: string } | { tcp: true };

export interface ReleaseSpec {
  app: string;
  deploymentId: string;
  image: string;
  replicas: number;
  /** Already decrypted; passed to Docker, never logged. */
  env: Record<string, string>;
  limits: { memoryMb: number; cpus: number };
  pidsLimit?: number;
  healthcheck?: HealthCheck;
  port: number;
  volumes?: Array<{ name: string; path: string }>;
  /** Capabilities to add back after dropping all (only a short allow-list). */
  capAdd?: string[];
  labels?: Record<string, string>;
}

export interface ValidRelease extends Omit<ReleaseSpec, 'app' | 'volumes'> {
  app: AppName;
  healthcheck: HealthCheck;
  pidsLimit: number;
  /**
   * `volume`: the Docker volume mounted at `path` — volumeName() until prepareInfra settles it
   * (a volume kept under `legacy`, its name before, stays in use).
   */
  volumes: ReleaseVolume[];
  capAdd: string[];
}

export const MAX_REPLICAS = 20;
const CAP_ALLOW = new Set(['NET_BIND_SERVICE', 'CHOWN', 'SETUID', 'SETGID', 'DAC_OVERRIDE', 'FOWNER', 'KILL']);

function invalid(message: string): DeployFlowError {
  return new DeployFlowError('DF_ERR_VALIDATION', message);
}

export interface ReleaseVolume {
  name: string;
  volume: string;
  legacy: string;
  path: string;
}

export function validateRelease(spec: ReleaseSpec): ValidRelease {
  const app = parseAppName(spec.app);
  parseDeploymentId(spec.deploymentId);
  parseImageRef(spec.image);
  if (!Number.isInteger(spec.replicas) || spec.replicas < 0 || spec.replicas > MAX_REPLICAS)
    throw invalid(`replicas must be 0-${MAX_REPLICAS}`);
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) throw invalid('port must be 1-65535');
  const { memoryMb, cpus } = spec.limits;
  if (!Number.isInteger(memoryMb) || memoryMb < 8 || memoryMb > 1024 * 1024)
    throw invalid('limits.memoryMb must be a whole number of MB, at least 8');
  if (!(typeof cpus === 'number' && cpus >= 0.01 && cpus <= 1024)) throw invalid('limits.cpus must be at least 0.01');
  const pidsLimit = spec.pidsLimit ?? 256;
  if (!Number.isInteger(pidsLimit) || pidsLimit < 8) throw invalid('pidsLimit must be a whole number, at least 8');
  for (const [key, value] of Object.entries(spec.env)) checkEnvValue(parseEnvKey(key), value);
  const healthcheck = spec.healthcheck ?? { path: '/' };
  if ('path' in healthcheck && !/^\/[\x21-\x7e]{0,1023}$/.test(healthcheck.path))
    throw invalid('healthcheck.path must start with / and be printable');
  const volumes = (spec.volumes ?? []).map((v) => ({
    name: v.name,
    volume: volumeName(app, v.name),
    legacy: legacyVolumeName(app, v.name),
    path: parseContainerPath(v.path),
  }));
  const capAdd = spec.capAdd ?? [];
  for (const cap of capAdd) if (!CAP_ALLOW.has(cap)) throw invalid(`capability ${cap.slice(0, 40)} may not be added`);
  return { ...spec, app, healthcheck, pidsLimit, volumes, capAdd };
}

export interface ContainerPlan {
  name: string;
  replica: number;
  options: Docker.ContainerCreateOptions;
}

export function containerPlan(r: ValidRelease, replica: number, network = DEFAULT_NETWORK): ContainerPlan {
  const portKey = `${r.port}/tcp`;
  const name = containerName(r.app, r.deploymentId, replica);
  return {
    name,
    replica,
    options: {
      name,
      Image: r.image,
      Env: Object.entries(r.env)
        .map(([k, v]) => `${k}=${v}`)
        .concat(`PORT=${r.port}`),
      Labels: { ...appLabels(r.app, r.deploymentId, r.labels), [LABEL_REPLICA]: String(replica), [LABEL_PORT]: String(r.port) },
      ExposedPorts: { [portKey]: {} },
      HostConfig: {
        // Loopback only, ephemeral: the gateway on this host is the one way in.
        PortBindings: { [portKey]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
        RestartPolicy: { Name: 'unless-stopped' },
        SecurityOpt: ['no-new-privileges'],
        CapDrop: ['ALL'],
        CapAdd: r.capAdd,
        Memory: r.limits.memoryMb * 1024 * 1024,
        MemorySwap: r.limits.memoryMb * 1024 * 1024,
        NanoCpus: Math.round(r.limits.cpus * 1e9),
        PidsLimit: r.pidsLimit,
        // A tiny init reaps zombies and forwards SIGTERM to `npm start` / `sh -c` commands.
        Init: true,
        NetworkMode: network,
        Mounts: r.volumes.map((v) => ({ Type: 'volume' as const, Source: v.volume, Target: v.path })),
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
      },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [r.app] } } },
    },
  };
}

export function networkPlan(name = DEFAULT_NETWORK): Docker.NetworkCreateOptions {
  return { Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: { 'deployflow.managed': 'true' } };
}

export function volumePlan(r: ValidRelease, v: ReleaseVolume): Docker.VolumeCreateOptions {
  return { Name: v.volume, Labels: { ...(r.labels ?? {}), [LABEL_APP]: r.app, [LABEL_VOLUME]: v.name } };
}
