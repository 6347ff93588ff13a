// The import boundaries `make test` checks (npx depcruise … --config .dependency-cruiser.mjs):
// - no import circle anywhere, type-only imports included (a reader follows them too);
// - common/ is shared by every service and imports none of them;
// - control/, git/, dns/, builder/ and gateway/ reach each other only through the other's public
//   face, its index.ts (builder/index.ts, git/index.ts, gateway/index.ts); tests may look inside;
// - gateway/index.ts only starts the gateway: control, git, dns and builder do not import the
//   gateway at all (what they share with it, routes and certificates, lives in common/).
// The README's "Architecture" section draws the same picture.
const services = '(control|git|dns|builder|gateway)';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle (type-only ones too): move the shared part into a module of its own.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'common-imports-no-service',
      severity: 'error',
      comment: 'common/ holds the contracts the services share; it must not depend on any of them.',
      from: { path: '^common/' },
      to: { path: '^(control|git|dns|builder|gateway|supervisor|doctor|cli|bin|web)/' },
    },
    {
      name: 'service-internals',
      severity: 'error',
      comment: "A service reaches another only through that service's index.ts; shared contracts go to common/.",
      from: { path: `^${services}/`, pathNot: ['\\.test\\.ts$', '/testing/'] },
      to: { dependencyTypesNot: ['core'], path: `^${services}/`, pathNot: ['^$1/', `^${services}/index\\.ts$`] },
    },
    {
      name: 'nothing-imports-the-gateway',
      severity: 'error',
      comment: 'The gateway is started, never called: share through common/ (routes, certificates, gateway reports).',
      from: { path: '^(control|git|dns|builder)/', pathNot: ['\\.test\\.ts$', '/testing/'] },
      to: { path: '^gateway/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
};
