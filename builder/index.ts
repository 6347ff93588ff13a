// builder/ as a library: what the deploy pipeline (control/), git/ and the reconciler call.
// Builds go through `createBuilder`; containers through `release` and the operations beside it.
export { createBuilder, type Builder, type BuilderOptions, type BuildRequest, type BuildResult } from './build/builder.js';
export type { SourceSpec } from './context/sources.js';
export { prepareContext, type BuildContext } from './context/context.js';
export { detect, type Detection, type SourceSnapshot } from './detect/detect.js';
export { generate, DEFAULT_PORT, type BaseImages } from './dockerfile/generate.js';
export { goLive, release, retire, replicaDeps, type LiveRelease, type ReleaseDeps, type ReleaseResult, type Upstream } from './release/release.js';
export { listAppContainers, scale, stopApp, startApp, removeApp, pruneAppImages, type AppContainer, type RemoveOptions } from './release/ops.js';
export type { ReleaseSpec, HealthCheck } from './docker/specs.js';
export { DEFAULT_NETWORK, LABEL_APP, LABEL_DEPLOYMENT, LABEL_PORT, LABEL_VOLUME, imageRepo, imageTag, parseDeploymentId, volumeName } from './docker/names.js';
export { DockerRunner } from './docker/runner.js';
export { validateRelease, type ValidRelease } from './docker/specs.js';
export { demuxLogs } from './docker/logs.js';
export { probeHttp } from './release/health.js';
export { systemClock, type Clock, type LogSink } from './deps.js';
