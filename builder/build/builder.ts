// Image builds through dockerode: context prepared and checked, then `buildImage` with every
// output line streamed to the deployment log. Builds share a semaphore (the host has few cores:
// `maxConcurrentBuilds` at once, 1 unless set) and each has a deadline that aborts the request, which makes the daemon cancel the build.
// BuildKit is used when the engine offers it (metadata steps such as ENV or EXPOSE cost nothing
// there, where the classic builder runs a container for each); the classic builder otherwise.
import type Docker from 'dockerode';
import { DeployFlowError, isDeployFlowError } from '../../common/errors/catalogue.js';
import { Transform, type Readable } from 'node:stream';
import { parseAppName, type AppName } from '../../common/names/validate.js';
import { prepareContext, type BuildContext } from '../context/context.js';
import type { SourceSpec } from '../context/sources.js';
import type { Detection } from '../detect/detect.js';
import { DEFAULT_PORT, type BaseImages } from '../dockerfile/generate.js';
import { step, systemClock, type Clock, type LogSink } from '../deps.js';
import { checkedLabels, imageTag } from '../docker/names.js';
import { checkDockerfile } from '../policy/dockerfile.js';
import { checkBaseTriggers } from '../policy/onbuild.js';
import { checkImageUses, DEFAULT_BUILD_IMAGE_SETTINGS, type BuildImageSettings } from '../policy/images.js';
import { AppCacheBudget, type AppCacheOptions } from './app-cache.js';
import { BuildKitProgress } from './buildkit.js';
import { applyBuildEgress, buildNetwork, type IptablesFamily } from './egress.js';
import { buildMarker, type BuildMarker } from './attribution.js';
import { watchBuildDisk } from './disk.js';
import { openBuildCgroup, type Breach, type BuildCgroup, type BuildLimits } from './limits.js';
import { LineSplitter, parseEvent, Tail } from './progress.js';
import { Semaphore } from './semaphore.js';

export interface BuilderOptions {
  docker: Docker;
  images: BaseImages;
  /**
   * Builds at once (default 1). A confined build whose steps cannot be told from another's (the
   * classic builder marks none: attribution.ts) still runs alone, so a neighbour's breach never stops it.
   */
  maxConcurrentBuilds?: number;
  buildTimeoutMs?: number;
  clock?: Clock;
  /** `buildkit` (default; falls back to `legacy` when the engine refuses it) or `legacy`. */
  engine?: BuildEngine;
  /**
   * Builds as the untrusted boundary: resource limits and the build network's egress rules.
   * Without it builds run unconfined (unit tests); the Dockerfile and image policy apply always.
   */
  isolation?: BuildIsolation;
  /** The admins' image settings; default: only the base images and the app's own. */
  imageSettings?: () => Promise<BuildImageSettings>;
  /** A layer-cache budget per app (BuildKit only); unset: only the engine-wide trim after releases. */
  appCache?: AppCacheOptions;
}

export interface BuildIsolation {
  /** The limits of one build of `app` (the owner's quota decides the memory). */
  limits(app: string): Promise<BuildLimits>;
  /** Whether build steps may reach private networks (the admins' allowPrivateUrls). */
  allowPrivate(): Promise<boolean>;
  /** Largest build context (bytes streamed to the engine) and largest resulting image, in MB. */
  contextMb: number;
  imageMb: number;
  /** Most a build's RUN steps may write to disk, in MB (watched while it runs); unset: not watched. */
  diskMb?: number;
  /** iptables / ip6tables runners (tests record the calls); default: the programs. */
  iptables?: IptablesFamily;
  ip6tables?: IptablesFamily;
}

export type BuildEngine = 'buildkit' | 'legacy';

/** What an engine without BuildKit (or without build sessions) answers to `version=2`. */
const NO_BUILDKIT = /buildkit|session/i;

export interface BuildRequest {
  app: string;
  deploymentId: string;
  source: SourceSpec;
  /** The app's configured port; unset means the image's EXPOSE, else 5000. */
  port?: number;
  log: LogSink;
  labels?: Record<string, string>;
  /** Cancels a queued or running build (e.g. superseded by a newer push). */
  signal?: AbortSignal;
}

export interface BuildResult {
  image: string;
  imageId: string;
  port: number;
  detected: Detection['kind'];
  durationMs: number;
}

const KIND_NAMES: Record<Detection['kind'], string> = {
  dockerfile: 'Dockerfile in the repository',
  node: 'Node.js app',
  python: 'Python app',
  go: 'Go app',
  static: 'static site',
};

export interface Builder {
  build(req: BuildRequest): Promise<BuildResult>;
  readonly running: number;
  readonly queued: number;
}

function exposedPort(inspect: Docker.ImageInspectInfo): number | undefined {
  const first = Object.keys(inspect.Config?.ExposedPorts ?? {}).find((k) => k.endsWith('/tcp'));
  const port = first ? Number.parseInt(first, 10) : NaN;
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/** One build's limits: the cgroup it runs under and the context byte count. */
class Confinement {
  onTooLarge: () => void = () => undefined;

  constructor(
    readonly limits: BuildLimits,
    readonly cgroup: BuildCgroup,
    private readonly maxContextBytes: number,
  ) {}

  /** Passes the context through, stopping the build once it grows past the limit. */
  count(context: Readable): Readable {
    let bytes = 0;
    const counted = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        bytes += chunk.length;
        if (bytes > this.maxContextBytes) {
          this.onTooLarge();
          done(new DeployFlowError('DF_ERR_BUILD_LIMIT', 'The build context is too large'));
          return;
        }
        done(null, chunk);
      },
    });
    context.once('error', (err) => counted.destroy(err));
    counted.once('close', () => {
      if (!context.destroyed) context.destroy();
    });
    return context.pipe(counted);
  }
}

function logged(log: LogSink, err: DeployFlowError): DeployFlowError {
  log(`       ${err.code}: ${err.message}`);
  return err;
}

type Stop = Breach | 'context' | 'disk';

function limitError(breach: Stop, limits: BuildLimits, isolation: BuildIsolation, lines: string[], log: LogSink): DeployFlowError {
  const message = {
    memory: `A build step was killed: it used more than the build's memory limit of ${limits.memoryMb} MB; the build was stopped`,
    pids: `A build step tried to run more than ${limits.pids} processes at once (a fork bomb?); the build was stopped`,
    context: `The build context is larger than ${isolation.contextMb} MB; the build was stopped`,
    disk: `A build step wrote more than the build's disk limit of ${isolation.diskMb ?? 0} MB; the build was stopped`,
  }[breach];
  return logged(log, new DeployFlowError('DF_ERR_BUILD_LIMIT', message, { lines }));
}

export function createBuilder(opts: BuilderOptions): Builder {
  const slots = new Semaphore(opts.maxConcurrentBuilds ?? 1);
  const timeoutMs = opts.buildTimeoutMs ?? 10 * 60_000;
  const clock = opts.clock ?? systemClock;
  let engine: BuildEngine = opts.engine ?? 'buildkit';
  const appCache = opts.appCache ? new AppCacheBudget(opts.docker, opts.appCache) : null;

  /** Starts the build on the current engine; an engine that refuses BuildKit gets the classic builder from then on. */
  async function startBuild(
    ctx: BuildContext,
    image: string,
    signal: AbortSignal,
    req: BuildRequest,
    box: Confinement | null,
    marker: BuildMarker | null,
    onContextError: (err: Error) => void,
  ): Promise<NodeJS.ReadableStream> {
    // The engine's request pipes the context without listening for its errors: an 'error' with no
    // listener (the context over its limit, a failing source) would be an uncaught exception that
    // ends the whole service, so the build listens and stops itself instead.
    const open = (): Readable => {
      const context = box ? box.count(ctx.open()) : ctx.open();
      context.on('error', onContextError);
      return context;
    };
    const options = {
      // No app/deployment labels on images: the classic builder runs one more step per build
      // for them (≈ 0.1 s, and a cache miss on every redeploy). The repository name
      // `deployflow/<app>` identifies an app's images; containers carry the labels.
      t: image,
      dockerfile: ctx.dockerfilePath,
      ...(req.labels ? { labels: checkedLabels(req.labels) } : {}),
      rm: true,
      forcerm: true,
      abortSignal: signal,
    };
    if (engine === 'buildkit') {
      const context = open();
      try {
        const marked = marker ? { buildargs: JSON.stringify(marker.buildArgs) } : {};
        return await opts.docker.buildImage(
          context as unknown as NodeJS.ReadableStream,
          { ...options, ...marked, version: '2' } as Docker.ImageBuildOptions,
        );
      } catch (err) {
        context.destroy(); // stops its producer (git archive) too; the classic build opens a new one
        if (signal.aborted || !(err instanceof Error) || !NO_BUILDKIT.test(err.message)) throw err;
        engine = 'legacy';
        req.log(`       BuildKit is not available on this Docker Engine (${err.message.slice(0, 200)}); using the classic builder`);
      }
    }
    // The classic builder honours per-build limits; its step containers share the build cgroup too.
    const limits = box
      ? {
          memory: box.limits.memoryMb * 1024 * 1024,
          memswap: box.limits.memoryMb * 1024 * 1024,
          cpuperiod: 100_000,
          cpuquota: Math.round(box.limits.cpus * 100_000),
          ...(box.cgroup ? { cgroupparent: box.cgroup.parent } : {}),
        }
      : {};
    return opts.docker.buildImage(open() as unknown as NodeJS.ReadableStream, { ...options, ...limits } as Docker.ImageBuildOptions);
  }

  async function runBuild(req: BuildRequest): Promise<BuildResult> {
    const app = parseAppName(req.app);
    const image = imageTag(app, req.deploymentId);
    const started = clock.now();
    // The cache records before this build (listed while the context is prepared), to credit the app with the new ones.
    const cacheBefore = appCache && engine === 'buildkit' ? appCache.begin() : null;
    step(req.log, 'Preparing build context');
    const ctx = await prepareContext(req.source, opts.images, req.port);
    step(req.log, `Detected ${KIND_NAMES[ctx.detection.kind]}`);
    if (ctx.generatedDockerfile) for (const line of ctx.generatedDockerfile.trimEnd().split('\n')) req.log(`       ${line}`);
    const checked = await checkPolicy(app, ctx, req.log);
    // BuildKit's steps carry this build's marker, so the watchers count and limit this build's steps only.
    const marker = opts.isolation && engine === 'buildkit' ? buildMarker() : null;
    const box = opts.isolation ? await confine(app, opts.isolation, req.log, marker !== null) : null;
    step(req.log, `Building image ${image}`);

    const controller = new AbortController();
    let timedOut = false;
    let breach: Stop | null = null;
    let contextError: Error | null = null;
    const onContextError = (err: Error): void => {
      // Over the limit: the Confinement has stopped the build already (breach 'context').
      if (isDeployFlowError(err) && err.code === 'DF_ERR_BUILD_LIMIT') return;
      contextError ??= err;
      controller.abort();
    };
    const stopFor = (why: Stop): void => {
      breach ??= why;
      controller.abort();
    };
    const watcher = box?.cgroup?.watch(stopFor, undefined, marker && box ? { owner: marker.owner, limits: box.limits } : undefined);
    const disk =
      box && opts.isolation?.diskMb
        ? watchBuildDisk({
            cgroupDir: box.cgroup.stepsDir,
            dockerRoot: await dockerRoot(),
            limitBytes: opts.isolation.diskMb * 1024 * 1024,
            onBreach: () => stopFor('disk'),
            ...(marker ? { counts: async (dir: string) => (await marker.owner(dir)) !== 'other' } : {}),
          })
        : null;
    if (box) box.onTooLarge = () => stopFor('context');
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onCancel = (): void => controller.abort();
    req.signal?.addEventListener('abort', onCancel, { once: true });
    const tail = new Tail(30);
    const emit = (line: string): void => {
      tail.push(line);
      req.log(line);
    };
    let imageId = '';
    try {
      // The listing must be the engine's state before the build: a late answer would count the build's first records as old.
      await cacheBefore;
      const output = await startBuild(checked, image, controller.signal, req, box, marker, onContextError);
      const trace = new BuildKitProgress();
      const splitter = new LineSplitter();
      for await (const chunk of output as AsyncIterable<Buffer>) {
        for (const json of splitter.push(chunk)) {
          const event = parseEvent(json, trace);
          event.lines.forEach(emit);
          if (event.imageId) imageId = event.imageId;
          if (event.error)
            throw new DeployFlowError('DF_ERR_BUILD_FAILED', `The image build failed: ${event.error.trim().slice(0, 500)}`, {
              lines: tail.get(),
            });
        }
      }
      for (const json of splitter.flush()) parseEvent(json, trace).lines.forEach(emit);
      const last = await watcher?.stop();
      if (last?.breach) breach ??= last.breach;
      if (breach) throw new Error('limit');
    } catch (err) {
      const last = await watcher?.stop();
      breach ??= last?.breach ?? null;
      // A step killed by SIGKILL while the memory limit was being hit was the kernel's OOM kill.
      if (!breach && last?.memoryLimitHit && /exit code: 137|signal: killed/i.test(String((err as Error).message ?? err)))
        breach = 'memory';
      // A fork bomb that collapsed between two looks (its step's cgroup, with the kernel's count of
      // refused forks, is gone): a failed step whose last lines are refused forks hit the process limit.
      if (
        !breach &&
        box &&
        /exit code/i.test(String((err as Error).message ?? err)) &&
        tail
          .get()
          .slice(-10)
          .some((l) => /fork.*Resource temporarily unavailable/i.test(l))
      )
        breach = 'pids';
      if (breach && box) throw limitError(breach, box.limits, opts.isolation!, tail.get(), req.log);
      if (timedOut)
        throw new DeployFlowError(
          'DF_ERR_BUILD_TIMEOUT',
          `The image build took longer than ${Math.round(timeoutMs / 1000)}s and was stopped`,
          { lines: tail.get() },
        );
      if (req.signal?.aborted) throw new DeployFlowError('DF_ERR_BUILD_FAILED', 'The build was cancelled', { lines: tail.get() });
      if (contextError)
        throw new DeployFlowError('DF_ERR_BUILD_FAILED', `The build context could not be read: ${contextError.message.slice(0, 300)}`, {
          lines: tail.get(),
        });
      if (isDeployFlowError(err)) throw err;
      throw new DeployFlowError('DF_ERR_BUILD_FAILED', `The image build failed: ${err instanceof Error ? err.message : String(err)}`, {
        lines: tail.get(),
      });
    } finally {
      clearTimeout(timer);
      await disk?.stop();
      req.signal?.removeEventListener('abort', onCancel);
      if (appCache && cacheBefore) await appCache.end(app, await cacheBefore, checked.dockerfileText, disk?.cacheMounts() ?? [], req.log);
    }

    const inspect = await opts.docker
      .getImage(image)
      .inspect()
      .catch(() => undefined);
    if (!inspect) throw new DeployFlowError('DF_ERR_BUILD_FAILED', 'The build ended without producing an image', { lines: tail.get() });
    if (opts.isolation && inspect.Size > opts.isolation.imageMb * 1024 * 1024) {
      await opts.docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => undefined);
      throw logged(
        req.log,
        new DeployFlowError(
          'DF_ERR_BUILD_LIMIT',
          `The image is ${Math.round(inspect.Size / 1024 / 1024)} MB, more than the ${opts.isolation.imageMb} MB a build may produce`,
        ),
      );
    }
    const port = req.port ?? (ctx.detection.kind === 'dockerfile' ? (exposedPort(inspect) ?? DEFAULT_PORT) : ctx.port);
    const durationMs = clock.now() - started;
    step(req.log, `Built ${image} in ${(durationMs / 1000).toFixed(1)}s (app port ${port})`);
    return { image, imageId: imageId || inspect.Id, port, detected: ctx.detection.kind, durationMs };
  }

  /** The Dockerfile policy, then the image policy; a refusal is logged as its DF_ERR line. */
  async function checkPolicy(app: AppName, ctx: BuildContext, log: LogSink): Promise<BuildContext> {
    try {
      const checked = checkDockerfile(ctx.dockerfileText, app);
      for (const note of checked.notes) log(`       ${note}`);
      const settings = await (opts.imageSettings?.() ?? Promise.resolve(DEFAULT_BUILD_IMAGE_SETTINGS));
      const policy = { app, baseImages: Object.values(opts.images), settings };
      await checkImageUses(opts.docker, checked.images, policy);
      // Allowed base images' ONBUILD triggers run in this build: the same policy, and their images too.
      await checkImageUses(opts.docker, await checkBaseTriggers(opts.docker, checked.images, app), policy);
      return checked.text === ctx.dockerfileText ? ctx : ctx.withDockerfile(checked.text);
    } catch (err) {
      if (isDeployFlowError(err)) throw logged(log, err);
      throw err;
    }
  }

  let cgroup: Promise<BuildCgroup | string> | undefined;
  let root: Promise<string> | undefined;
  const dockerRoot = (): Promise<string> => {
    root ??= opts.docker.info().then(
      (i: { DockerRootDir?: string }) => i.DockerRootDir ?? '/var/lib/docker',
      () => '/var/lib/docker',
    );
    return root;
  };

  /** Limits written on the build cgroup and the network rules applied; a build that cannot be confined does not start. */
  async function confine(app: AppName, isolation: BuildIsolation, log: LogSink, attributed: boolean): Promise<Confinement> {
    const limits = await isolation.limits(app);
    cgroup ??= openBuildCgroup(opts.docker);
    const box = await cgroup;
    try {
      if (typeof box === 'string') throw new Error(box);
      await box.apply(limits, { beside: attributed });
      const network = await buildNetwork(opts.docker);
      await applyBuildEgress(network, await isolation.allowPrivate(), {
        ...(isolation.iptables ? { v4: isolation.iptables } : {}),
        ...(isolation.ip6tables ? { v6: isolation.ip6tables } : {}),
      });
    } catch (err) {
      throw logged(
        log,
        new DeployFlowError(
          'DF_ERR_UNAVAILABLE',
          `The build cannot be confined on this engine: ${(err as Error).message.slice(0, 300)} ` +
            '(an admin can run builds unconfined with DEPLOYFLOW_BUILD_ISOLATION=off; see docs/build-isolation.md)',
        ),
      );
    }
    log(
      `       Build limits: ${limits.memoryMb} MB memory, ${limits.cpus} CPU, ${limits.pids} processes, ${isolation.contextMb} MB context, ` +
        `${isolation.diskMb ? `${isolation.diskMb} MB written, ` : ''}${isolation.imageMb} MB image, ${Math.round(timeoutMs / 1000)}s; ` +
        'no access to the host or private networks',
    );
    return new Confinement(limits, box as BuildCgroup, isolation.contextMb * 1024 * 1024);
  }

  return {
    async build(req) {
      const alone = opts.isolation !== undefined && engine !== 'buildkit';
      return slots.run(
        async () => {
          if (req.signal?.aborted) throw new DeployFlowError('DF_ERR_BUILD_FAILED', 'The build was cancelled before it started');
          return runBuild(req);
        },
        (position) => step(req.log, `Waiting for a build slot (number ${position} in the queue)`),
        alone ? slots.limit : 1,
      );
    },
    get running() {
      return slots.running;
    },
    get queued() {
      return slots.queued;
    },
  };
}
