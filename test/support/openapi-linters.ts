import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const BIN = resolve(ROOT, 'node_modules', '.bin');
// Both linters run offline: nothing to fetch (the rulesets are local packages), no usage data, no update check.
const OFFLINE = { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
const BOUND_MS = 100_000;

/** One problem a linter found: its rule, where in the document, and what it said. */
export interface LintProblem {
  rule: string;
  at: string;
  message: string;
}

export interface LintReport {
  errors: LintProblem[];
  warnings: LintProblem[];
}

interface RedoclyProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

interface SpectralProblem {
  code: string;
  severity: number;
  message: string;
  path: (string | number)[];
}

/** Redocly CLI's `lint` with the repository's redocly.yaml (its recommended ruleset). */
export async function lintWithRedocly(file: string): Promise<LintReport> {
  const output = await run('redocly', ['lint', file, '--format=json', `--config=${resolve(ROOT, 'redocly.yaml')}`]);
  const { problems } = JSON.parse(output) as { problems: RedoclyProblem[] };
  const all = problems.map(({ ruleId, severity, message, location }) => ({
    severity,
    problem: { rule: ruleId, at: location[0]?.pointer ?? '', message },
  }));
  return {
    errors: all.filter(({ severity }) => severity === 'error').map(({ problem }) => problem),
    warnings: all.filter(({ severity }) => severity !== 'error').map(({ problem }) => problem),
  };
}

/** Spectral's `lint` with the repository's .spectral.yaml (the OWASP ruleset, as this API applies it). */
export async function lintWithSpectral(file: string): Promise<LintReport> {
  const output = await run('spectral', ['lint', file, `--ruleset=${resolve(ROOT, '.spectral.yaml')}`, '--format=json']);
  const problems = JSON.parse(output) as SpectralProblem[];
  // Spectral's severities: 0 error, 1 warning, 2 information, 3 hint.
  const of = (severity: number) =>
    problems
      .filter((problem) => problem.severity === severity)
      .map(({ code, message, path }) => ({ rule: code, at: pointerOf(path), message }));
  return { errors: of(0), warnings: of(1) };
}

/** A JSON pointer, as Redocly reports locations. */
function pointerOf(path: (string | number)[]): string {
  return `#/${path.map((segment) => String(segment).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

/** Both exit non-zero when they found errors: the report on stdout is what counts. */
function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      resolve(BIN, bin),
      args,
      { cwd: ROOT, env: { ...process.env, ...OFFLINE }, timeout: BOUND_MS, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (stdout.trim().startsWith('{') || stdout.trim().startsWith('[')) resolvePromise(stdout);
        else reject(new Error(`${bin} ${args.join(' ')} printed no report: ${error?.message ?? ''}\n${stderr}`));
      },
    );
  });
}
