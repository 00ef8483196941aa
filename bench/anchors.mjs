// The reference app of ../shared/anchors (for --anchors). That folder is read-only: when it holds no build of its
// own, its sources are copied to a work folder in the system's temp dir, installed there with `npm ci` and compiled
// with tsc; both steps are skipped on later runs while the copy is up to date.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { BenchError, mtimeMs, newestMtimeMs, runToEnd } from './lib.mjs';

const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'src'];

/**
 * Returns the path of a built anchors `dist/main.js`, building a private copy when needed.
 * @param {{ sourceDir: string, workDir: string, logFile: string, log: (line: string) => void }} options
 */
export async function prepareAnchors({ sourceDir, workDir, logFile, log }) {
  if (!existsSync(join(sourceDir, 'src', 'main.ts'))) throw new BenchError(`--anchors: no anchors app at ${sourceDir}`);
  const built = join(sourceDir, 'dist', 'main.js');
  if (existsSync(built) && existsSync(join(sourceDir, 'node_modules'))) return built;

  const changed = copyChangedFiles(sourceDir, workDir);
  if (changed.includes('package-lock.json') || !existsSync(join(workDir, 'node_modules'))) {
    log(`anchors: npm ci in ${workDir} (log: ${logFile})`);
    await runToEnd('npm', ['ci', '--no-audit', '--no-fund'], { cwd: workDir, logFile });
  }
  const main = join(workDir, 'dist', 'main.js');
  if (newestMtimeMs(join(workDir, 'src')) > mtimeMs(main)) {
    log(`anchors: tsc in ${workDir}`);
    await runToEnd(join(workDir, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: workDir, logFile });
  }
  return main;
}

/**
 * Copies the anchors' sources whose content differs (so unchanged files keep their mtime); returns their paths.
 * @param {string} from
 * @param {string} to
 */
function copyChangedFiles(from, to) {
  const files = SOURCES.flatMap((entry) =>
    entry === 'src'
      ? readdirSync(join(from, 'src'), { recursive: true, withFileTypes: true })
          .filter((dirent) => dirent.isFile())
          .map((dirent) => relative(from, join(dirent.parentPath, dirent.name)))
      : [entry],
  );
  return files.filter((file) => {
    const content = readFileSync(join(from, file));
    const target = join(to, file);
    if (existsSync(target) && readFileSync(target).equals(content)) return false;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content); // a fresh writable file, unlike a copy of the read-only original
    return true;
  });
}
