// jest on Node 20 cannot require() ES modules, and NestJS 12 ships ES modules only: @swc/jest transforms those to
// CommonJS. Only packages that are ES modules ("type": "module" in a package.json of theirs) are transformed; the
// rest of node_modules (newman's tree, swagger-ui, class-validator…) is CommonJS already, and transforming it
// would cost a clean CI run about two minutes of a cold cache.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Names of the packages under `dir` (any depth of node_modules) that declare "type": "module" somewhere. */
function esModulePackages(dir, found = new Set()) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const names = entry.name.startsWith('@')
      ? readdirSync(join(dir, entry.name)).map((name) => `${entry.name}/${name}`)
      : [entry.name];
    for (const name of names) {
      const root = join(dir, name);
      if (declaresModule(root)) found.add(name);
      try {
        esModulePackages(join(root, 'node_modules'), found);
      } catch {
        // no nested node_modules
      }
    }
  }
  return found;
}

/** True when the package's own package.json, or one in its first two levels of folders, says "type": "module". */
function declaresModule(root, depth = 0) {
  try {
    if (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).type === 'module') return true;
  } catch {
    // no package.json here
  }
  if (depth === 2) return false;
  try {
    return readdirSync(root, { withFileTypes: true }).some(
      (entry) =>
        entry.isDirectory() && entry.name !== 'node_modules' && declaresModule(join(root, entry.name), depth + 1),
    );
  } catch {
    return false;
  }
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// CommonJS packages that import() a module (jest cannot run import() without --experimental-vm-modules; once
// transformed, it becomes a require()). PGlite's CommonJS build imports Node's fs/promises, zlib and util that way.
const IMPORTS_ES_MODULES = ['@fastify/cookie', '@electric-sql/pglite'];
const modules = [...esModulePackages('node_modules'), ...IMPORTS_ES_MODULES].map(escape).join('|');

const shared = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // A file is left as it is when the innermost package holding it is not an ES module one.
  transformIgnorePatterns: [`/node_modules/(?!(?:${modules})/)(?:@[^/]+/)?[^/]+/(?!.*/node_modules/)`],
  transform: {
    '^.+\\.(t|j|mj|cj)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2023',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
};

export default {
  // Two projects: `unit` (every *.spec.ts, no servers, no build: `npm run test:unit`) and `e2e` (every
  // *.e2e-spec.ts, against the Redis and PostgreSQL that globalSetup starts and the dist/ that `pretest:e2e`
  // builds: `npm run test:e2e`). `npm test` runs both.
  projects: [
    {
      ...shared,
      displayName: 'unit',
      setupFiles: ['<rootDir>/test/support/unit-env.ts'],
      testRegex: '\\.spec\\.ts$',
      testPathIgnorePatterns: ['\\.e2e-spec\\.ts$'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testRegex: '\\.e2e-spec\\.ts$',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  testTimeout: 20000,
  // Two workers: most suites wait on the servers they started more than they compute, so two at a time take about
  // two thirds of the time of one (measured: 595 s against 912 s on 2 cores). Every suite has its own key prefix,
  // database and, for faults, its own servers. `npx jest --detectOpenHandles` looks for leaks (it runs in band).
  maxWorkers: 2,
};
