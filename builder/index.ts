// builder/ as a library, its one public face: what control/ (the deploy pipeline, day-two
// operations, the reconciler, scale to zero) may use. Builds go through `createBuilder`;
// containers through `release` and `release/containers.ts`; the replica primitives below are
// what control's convergence composes. Nothing outside builder/ imports a file under it but this
// one (.dependency-cruiser.mjs checks it in `make test`).
export { createBuilder, type Builder, type BuilderOptions, type BuildRequest, type BuildResult } from './build/builder.js';
export type { SourceSpec } from './context/sources.js';
export { prepareContext, type BuildContext } from './context/context.js';
export { detect, type Detection, type SourceSnapshot } from './detect/detect.js';
export { generate, DEFAULT_PORT, type BaseImages } from './dockerfile/generate.js';
export {
  goLive,
  release,
  retire,
  replicaDeps,
  type LiveRelease,
  type ReleaseDeps,
  type ReleaseResult,
  type Upstream,
} from './release/release.js';
export {
  listAppContainers,
  stopAppContainers,
  purgeApp,
  removeAppImages,
  type AppContainer,
  type PurgeOptions,
} from './release/containers.js';
export { freeReplicaNumbers, prepareInfra, startHealthy, type Started } from './release/replicas.js';
export { upstreamsOf } from './release/release.js';
export { probeHttp, waitHealthy } from './release/health.js';
export { validateRelease, type ReleaseSpec, type HealthCheck, type ValidRelease } from './docker/specs.js';
export {
  DEFAULT_NETWORK,
  LABEL_APP,
  LABEL_DEPLOYMENT,
  LABEL_PORT,
  LABEL_VOLUME,
  containerName,
  imageRepo,
  imageTag,
  parseDeploymentId,
  volumeName,
} from './docker/names.js';
export { DockerRunner } from './docker/runner.js';
export { demuxLogs } from './docker/logs.js';
export { listBuildCache, pruneCacheRecord, trimBuildCache, type CacheRecord } from './docker/build-cache.js';
export type { BuildLimits } from './build/limits.js';
export { memoryLedger, type CacheLedgerStore, type Ledger } from './build/cache-budget.js';
export { DEFAULT_BUILD_IMAGE_SETTINGS, type BuildImageSettings } from './policy/images.js';
export { parseImageReference } from './policy/image-ref.js';
export { systemClock, type Clock, type LogSink } from './deps.js';
