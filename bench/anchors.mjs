// The bench's comparison app (for --anchors), in bench/anchors/: compiled with the project's own tsc into
// bench/anchors/dist (git-ignored) when its source is newer than the build. It runs on the project's node_modules.
import { join } from 'node:path';
import { BenchError, mtimeMs, runToEnd } from './lib.mjs';

/**
 * Returns the path of the built anchors `dist/main.js`, compiling it first when needed.
 * @param {{ sourceDir: string, rootDir: string, logFile: string, log: (line: string) => void }} options
 */
export async function prepareAnchors({ sourceDir, rootDir, logFile, log }) {
  const source = join(sourceDir, 'main.ts');
  const main = join(sourceDir, 'dist', 'main.js');
  if (!mtimeMs(source)) throw new BenchError(`--anchors: no anchors app at ${source}`);
  if (mtimeMs(source) > mtimeMs(main)) {
    log(`anchors: tsc -p ${join(sourceDir, 'tsconfig.json')}`);
    const tsc = join(rootDir, 'node_modules', '.bin', 'tsc');
    await runToEnd(tsc, ['-p', join(sourceDir, 'tsconfig.json')], { cwd: rootDir, logFile });
  }
  return main;
}
