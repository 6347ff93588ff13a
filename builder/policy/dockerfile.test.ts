// The Dockerfile policy on its own (pure): what it refuses, which images it reports, and how it
// rewrites cache mounts — with the parser's view of continuation lines, JSON forms and ONBUILD.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeployFlowError } from '../../common/errors/catalogue.js';
import { parseAppName } from '../../common/names/validate.js';
import { generate } from '../dockerfile/generate.js';
import { cacheId, checkDockerfile } from './dockerfile.js';
import { listed } from './images.js';
import { checkBaseTriggers } from './onbuild.js';
import { formatImageReference, parseImageReference } from './image-ref.js';

const shop = parseAppName('shop');

function refused(text: string, pattern: RegExp): void {
  assert.throws(
    () => checkDockerfile(text, shop),
    (err: unknown) => {
      assert.ok(isDeployFlowError(err) && err.code === 'DF_ERR_BUILD_REFUSED', String(err));
      assert.match(err.message, pattern);
      return true;
    },
  );
}

describe('Dockerfile policy', () => {
  it('refuses ADD of URLs in every form, and secret/ssh mounts, host network and insecure RUN', () => {
    refused('FROM a\nADD http://127.0.0.1:5000/api/v1/openapi.json /x\n', /line 2: ADD http:\/\/127\.0\.0\.1/);
    refused('FROM a\nADD ["https://example.com/a", "/x"]\n', /ADD https/);
    refused('FROM a\nADD --chown=1:1 file:///etc/passwd /x\n', /ADD file:/);
    refused('FROM a\nADD \\\n  git@github.com:o/r.git /x\n', /ADD git@/);
    refused('FROM a\nARG U=http://127.0.0.1/\nADD $U /x\n', /variable source/);
    refused('FROM a\nONBUILD ADD http://169.254.169.254/ /x\n', /line 2: ADD http/);
    refused('FROM a\nRUN --mount=type=secret,id=npm cat /run/secrets/npm\n', /type=secret is not supported/);
    refused('FROM a\nRUN --mount=type=ssh true\n', /type=ssh/);
    refused('FROM a\nRUN --network=host true\n', /--network=host/);
    refused('FROM a\nRUN --security=insecure true\n', /insecure/);
    refused('FROM $NOPE\n', /no default value/);
    refused('FROM a\nCOPY --from=$X /a /b\n', /variable/);
    refused('RUN true\n', /no FROM/);
  });

  it('reports every external image: FROM (ARG defaults expanded), COPY --from, mount from=, ONBUILD', () => {
    const text = [
      'ARG BASE=node',
      'ARG TAG=20',
      'FROM ${BASE}:${TAG} AS build',
      'COPY --from=deployflow/other:1 /a /b',
      'FROM build',
      'COPY --from=build /x /y',
      'COPY --from=0 /x /y',
      'RUN --mount=type=bind,from=evil/img,target=/m true',
      'ONBUILD COPY --from=evil/onbuild /a /b',
      'FROM scratch',
    ].join('\n');
    const { images } = checkDockerfile(text, shop);
    assert.deepEqual(
      images.map((i) => [i.where, i.line, i.ref]),
      [
        ['FROM', 3, 'node:20'],
        ['COPY --from', 4, 'deployflow/other:1'],
        ['RUN --mount from', 8, 'evil/img'],
        ['COPY --from', 9, 'evil/onbuild'],
      ],
    );
  });

  it('namespaces cache ids per app, whether the id is given or defaults to the target', () => {
    const text = 'FROM a\nRUN --mount=type=cache,target=/root/.npm \\\n    --mount=type=cache,id=shared,target=/c,sharing=locked npm ci\n';
    const checked = checkDockerfile(text, shop);
    assert.equal(
      checked.text,
      [
        'FROM a',
        `RUN --mount=type=cache,target=/root/.npm,id=${cacheId(shop, '/root/.npm')} \\`,
        `    --mount=type=cache,target=/c,sharing=locked,id=${cacheId(shop, 'shared')} npm ci`,
        '',
      ].join('\n'),
    );
    assert.notEqual(cacheId(shop, 'shared'), cacheId(parseAppName('shop2'), 'shared'));
  });

  it('removes a syntax directive, and leaves generated Dockerfiles as they are', () => {
    const checked = checkDockerfile('# syntax=docker/dockerfile:1\nFROM a\n', shop);
    assert.equal(checked.text, '# deployflow: syntax directive removed\nFROM a\n');
    assert.equal(checked.notes.length, 1);
    const images = { node: 'node:20-alpine', static: 'nginx:alpine', python: 'python:3.12-slim', go: 'golang:1.22-alpine' };
    const go = generate({ kind: 'go', start: null } as Parameters<typeof generate>[0], images).files['.deployflow/Dockerfile']!;
    const out = checkDockerfile(go, shop);
    assert.equal(out.text, go);
    assert.deepEqual(
      out.images.map((i) => i.ref),
      ['golang:1.22-alpine', 'golang:1.22-alpine'],
    );
  });
});

describe("base images' ONBUILD triggers", () => {
  const inspect = (triggers: string[] | null) => async (ref: string) => (ref === 'gone' ? null : { Config: { OnBuild: triggers } });
  const uses = [
    { where: 'FROM', line: 2, ref: 'acme/base' },
    { where: 'COPY --from', line: 3, ref: 'acme/other' },
  ];
  const docker = {} as Parameters<typeof checkBaseTriggers>[0];

  it('refuses a trigger the file itself could not have, naming the FROM line and the image', async () => {
    for (const [trigger, pattern] of [
      ['ADD http://127.0.0.1:5000/api/v1/openapi.json /x', /line 2: FROM acme\/base has an ONBUILD trigger .*ADD http:\/\/127/],
      ['ADD ["file:///etc/shadow", "/x"]', /ADD file:/],
      ['RUN --mount=type=secret,id=x cat /run/secrets/x', /type=secret/],
      ['RUN --mount=type=cache,target=/root/.npm npm ci', /cache is not supported/],
      ['RUN --network=host true', /--network=host/],
      ['FROM evil', /ONBUILD FROM/],
    ] as const) {
      await assert.rejects(
        checkBaseTriggers(docker, uses, shop, inspect([trigger])),
        (err: unknown) => {
          assert.ok(isDeployFlowError(err) && err.code === 'DF_ERR_BUILD_REFUSED', String(err));
          assert.match(err.message, pattern);
          return true;
        },
        trigger,
      );
    }
  });

  it('reports the images triggers name (every --from is external), passes harmless ones, refuses an image it cannot read', async () => {
    const named = await checkBaseTriggers(
      docker,
      uses,
      shop,
      inspect(['COPY --from=deployflow/victim:1 /srv /x', 'RUN echo hi', 'COPY . /app']),
    );
    assert.deepEqual(
      named.map((u) => [u.where, u.line, u.ref]),
      [['FROM acme/base ONBUILD COPY --from', 2, 'deployflow/victim:1']],
    );
    assert.deepEqual(await checkBaseTriggers(docker, uses, shop, inspect(null)), []);
    await assert.rejects(
      checkBaseTriggers(docker, [{ where: 'FROM', line: 1, ref: 'gone' }], shop, inspect([])),
      /could not be found or fetched/,
    );
  });
});

describe('image references', () => {
  it('normalizes as Docker does and matches allow-list entries', () => {
    assert.equal(formatImageReference(parseImageReference('node:20')!), 'docker.io/library/node:20');
    assert.equal(formatImageReference(parseImageReference('index.docker.io/deployflow/x:1')!), 'docker.io/deployflow/x:1');
    assert.equal(
      formatImageReference(parseImageReference('localhost:5000/a/b@sha256:' + 'a'.repeat(64))!),
      `localhost:5000/a/b@sha256:${'a'.repeat(64)}`,
    );
    assert.equal(parseImageReference('a'.repeat(64)), null);
    assert.equal(parseImageReference('Bad/Name'), null);
    const ref = (s: string) => parseImageReference(s)!;
    assert.ok(listed(ref('node:20'), ['node']));
    assert.ok(listed(ref('docker.io/library/node:20'), ['node:20']));
    assert.ok(!listed(ref('node:21'), ['node:20']));
    assert.ok(listed(ref('node'), ['node:latest']));
    assert.ok(!listed(ref('nodes:20'), ['node']));
  });
});
