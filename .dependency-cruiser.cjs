/**
 * The layer rules of docs/architecture.md, checked by `npm test` (and `npm run deps`) so that
 * they are kept by a tool, not by memory (issue 10, item 3).
 *
 *   src/cli.ts → src/server.ts → src/apis/<dialect>/ → src/core/ → src/store/
 *
 * Type-only imports count (`tsPreCompilationDeps`): "apis imports nothing from store, types
 * included". Tests are not cruised: a test may reach into any layer to set up or inspect.
 */
module.exports = {
  forbidden: [
    {
      name: 'apis-not-to-store',
      comment:
        'apis/ holds wire formats only and never imports store/, types included: ask core for a ' +
        'function or a type (core/accounts/accounts.ts exports Account, core/filter.ts Filter and FilterError).',
      severity: 'error',
      from: { path: '^src/apis/' },
      to: { path: '^src/store/' },
    },
    {
      name: 'core-not-to-apis-or-web',
      comment: 'core/ knows no dialect and no page: a dialect or a page calls core, never the other way.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(apis|web)/' },
    },
    {
      name: 'core-not-to-fastify',
      comment: 'core/ knows no Fastify (and no HTTP status): it fails with CoreError codes.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: ['(^|/)node_modules/(fastify|@fastify/[^/]+)/', '^(fastify|@fastify/.+)$'] },
    },
    {
      name: 'store-not-to-core-or-apis',
      comment: 'store/ holds SQL only; core calls the store, never the other way.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(core|apis|web)/' },
    },
    {
      name: 'dialect-not-to-other-dialect',
      comment:
        'A quirk of one dialect stays in its folder; what two dialects share lives in core, or in ' +
        'apis/shared/ (or a top-level src/apis/*.ts helper) when it is wire-level.',
      severity: 'error',
      from: { path: '^src/apis/([^/]+)/' },
      to: { path: '^src/apis/[^/]+/', pathNot: ['^src/apis/$1/', '^src/apis/shared/'] },
    },
    {
      name: 'apis-helpers-not-to-dialect',
      comment:
        'Top-level src/apis/*.ts helpers serve every dialect and import none. shared-login.ts is the ' +
        'documented exception (POST /auth/login split by body, handed to arc or basic), and ' +
        'index.ts may list the dialects.',
      severity: 'error',
      from: { path: '^src/apis/[^/]+[.]ts$', pathNot: '^src/apis/(shared-login|index)[.]ts$' },
      to: { path: '^src/apis/[^/]+/', pathNot: '^src/apis/shared/' },
    },
    {
      name: 'browser-code-stays-in-client',
      comment:
        'src/web/client/ is bundled for the browser: it may read only the types of the page shell ' +
        '(web/shell.ts, web/locale.ts); anything else of the server would be bundled or break the build.',
      severity: 'error',
      from: { path: '^src/web/client/' },
      to: { path: '^src/', pathNot: ['^src/web/client/', '^src/web/(shell|locale)[.]ts$'] },
    },
    {
      name: 'server-not-to-browser-code',
      comment: 'The server serves the built front end (dist/web/assets); it never imports its sources.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/web/client/' },
      to: { path: '^src/web/client/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
