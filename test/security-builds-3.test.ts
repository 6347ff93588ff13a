// The hostile battery for builds, third part (security-builds.test.ts and -2 before it): one app
// filling the engine's layer cache must lose its own cache, never another app's; one tenant's fork
// bomb must stop that tenant's build, not another tenant's build running at the same time on the
// same engine (two builders: two DeployFlow instances, e.g. control and the git service). Runs
// through the real builder on the real Docker Engine with the platform's isolation on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { listBuildCache, memoryLedger, type Builder, type CacheLedgerStore } from '../builder/index.js';
import { isDeployFlowError } from '../common/errors/catalogue.js';
import { ensureNodeBaseImage } from './support/base-image.js';
import { batteryBuilder, BuildBattery } from './support/hostile-builds.js';

const docker = new Docker();
const run = Math.random().toString(36).slice(2, 8);
const apps = { filler: `sec3-filler-${run}`, neighbour: `sec3-neighbour-${run}`, bomber: `sec3-bomber-${run}`, busy: `sec3-busy-${run}` };
const LIMITS = { memoryMb: 256, cpus: 1, pids: 128 };
// Each build of the filler adds 3 MB to its cache mount and leaves a 2 MB layer: over 8 MB by its third build.
const CACHE_MB = 8;

describe('hostile builds, part 3', { timeout: 600_000 }, () => {
  let base: string;
  let battery: BuildBattery;
  let second: Builder;
  let ledger: CacheLedgerStore;
  const images: string[] = [];

  before(async () => {
    base = await ensureNodeBaseImage(docker);
    ledger = memoryLedger();
    battery = new BuildBattery({
      builder: batteryBuilder(docker, base, { limits: LIMITS, diskMb: 256, appCache: { budgetMb: CACHE_MB, ledger } }),
      dirPrefix: 'df-sec3-',
    });
    second = batteryBuilder(docker, base, { limits: LIMITS, diskMb: 256 });
  });

  after(async () => {
    await battery.close('security battery (builds, part 3)');
    for (const image of images)
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => undefined);
  });

  /** Builds through the battery (with `by`, another builder) and returns the build's log. */
  async function build(
    app: string,
    id: string,
    lines: string[],
    files: Record<string, string> = {},
    log: string[] = [],
    by?: Builder,
  ): Promise<string[]> {
    const built = await battery.build(app, id, lines, { files, log, by });
    images.push(built.image);
    return log;
  }

  /** Whether the build log shows the step that runs `command` as taken from the cache. */
  function cached(log: string[], command: string): boolean {
    const start = log.find((l) => /^#\d+ \[/.test(l) && l.includes(command));
    const n = start?.split(' ')[0];
    return n !== undefined && log.includes(`${n} CACHED`);
  }

  it("trims an app that fills the layer cache down to its budget, and leaves another app's cache alone", async () => {
    battery.tried += 1;
    const neighbourFile = [
      `FROM ${base}`,
      `RUN --mount=type=cache,target=/c dd if=/dev/urandom of=/c/n-${run} bs=1M count=2 && sleep 1`,
      `RUN dd if=/dev/urandom of=/neighbour-${run} bs=1M count=2`,
      'CMD ["node"]',
    ];
    const first = await build(apps.neighbour, 'n1', neighbourFile);
    // Its image gone (as retention does with old images), its layers are cache only: the first a trim
    // of the whole engine's cache would take (least recently used), and not the filler's to take.
    await docker.getImage(`deployflow/${apps.neighbour}:n1`).remove({ force: true });
    const neighbourIds = (await ledger.load())[apps.neighbour]?.map((e) => e.id) ?? [];
    const described = new Map((await listBuildCache(docker)).map((r) => [r.ID, `${r.ID} ${r.Type} ${r.Description.slice(0, 100)}`]));
    assert.ok(
      neighbourIds.length >= 3,
      `the neighbour was credited with its layers and cache mount: ${neighbourIds.join(',')}\n${first.join('\n')}`,
    );

    const fillerFile = [
      `FROM ${base}`,
      'COPY stamp /stamp',
      'RUN --mount=type=cache,target=/c echo cache-files-$(ls /c | wc -l) ' +
        '&& dd if=/dev/urandom of=/c/f-$(cat /stamp) bs=1M count=3 && sleep 1',
      'RUN dd if=/dev/urandom of=/layer bs=1M count=2',
      'CMD ["node"]',
    ];
    const logs: string[][] = [];
    let previous: string | undefined;
    for (let i = 1; i <= 4 && !logs.some((l) => l.some((x) => x.includes('Build cache: '))); i++) {
      logs.push(await build(apps.filler, `f${i}`, fillerFile, { stamp: `${run}-${i}\n` }));
      if (previous) await docker.getImage(previous).remove({ force: true });
      previous = `deployflow/${apps.filler}:f${i}`;
    }
    const trimmed = logs.flat().find((l) => l.includes('Build cache: '));
    assert.match(
      trimmed ?? logs.flat().join('\n'),
      new RegExp(`Build cache: this app's cache held [0-9.]+ MB, more than its budget of ${CACHE_MB} MB; trimmed [1-9][0-9]* of its least`),
    );
    // The filler lost its own cache mount: its next build finds it empty.
    const next = await build(apps.filler, 'f9', fillerFile, { stamp: `${run}-9\n` });
    assert.ok(
      next.some((l) => / cache-files-0$/.test(l)),
      next.join('\n'),
    );

    // The neighbour's records are all still there, and its rebuild comes from the cache.
    const present = new Set((await listBuildCache(docker)).map((r) => r.ID));
    assert.deepEqual(
      neighbourIds.filter((id) => !present.has(id)).map((id) => described.get(id)),
      [],
      `none of the neighbour's records was pruned; the filler's log: ${logs
        .flat()
        .filter((l) => l.includes('Build cache'))
        .join(' / ')}`,
    );
    const again = await build(apps.neighbour, 'n2', neighbourFile);
    assert.ok(cached(again, `of=/neighbour-${run}`) && cached(again, `of=/c/n-${run}`), again.join('\n'));
    battery.refused += 1;
  });

  it("stops a fork bomb's build without stopping another tenant's build running beside it", async () => {
    battery.tried += 1;
    // The busy build holds 60 processes (within its 128) for a while; the bomb starts once they run.
    const busyLog: string[] = [];
    const busy = build(
      apps.busy,
      'b1',
      [`FROM ${base}`, `RUN echo holding-${run} && for i in $(seq 60); do sleep 15 & done; wait`, 'CMD ["node"]'],
      {},
      busyLog,
      second,
    ).then(
      (log) => ({ log }),
      (err: unknown) => ({ err }),
    );
    for (let i = 0; i < 600 && !busyLog.some((l) => l.endsWith(` holding-${run}`)); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      busyLog.some((l) => l.endsWith(` holding-${run}`)),
      busyLog.join('\n'),
    );
    await new Promise((r) => setTimeout(r, 1000));
    const bombLog: string[] = [];
    await assert.rejects(build(apps.bomber, 'x1', [`FROM ${base}`, 'RUN f(){ f | f; }; f'], {}, bombLog), (err: unknown) => {
      assert.ok(isDeployFlowError(err) && err.code === 'DF_ERR_BUILD_LIMIT', `${String(err)}\n${bombLog.join('\n')}`);
      assert.match(err.message, new RegExp(`more than ${LIMITS.pids} processes`));
      return true;
    });
    const outcome = await busy;
    assert.ok(
      !('err' in outcome),
      `the other tenant's build was stopped: ${'err' in outcome ? String(outcome.err) : ''}\n${busyLog.join('\n')}`,
    );
    assert.ok(
      busyLog.some((l) => l.includes(`Built deployflow/${apps.busy}:b1`)),
      busyLog.join('\n'),
    );
    battery.refused += 1;
  });
});
