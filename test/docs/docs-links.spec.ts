import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');

function headings(file: string): Set<string> {
  let inCode = false;
  const anchors = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    const match = !inCode && /^#+ (.*)$/.exec(line);
    if (match) anchors.add(slug(match[1]));
  }
  return anchors;
}

function relativeLinks(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z][a-z+.-]*:/i.test(t));
}

// The contract and the reference apps this project was written against live outside the repo; a clone has neither.
const OUTSIDE_THE_REPO = /\.\.\/shared|\/work\/shared|DESIGN\.md/;

describe('README and docs/', () => {
  it('keep the README a front door of at most 260 lines', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(260);
  });

  it.each(PAGES)('%s links only to files and headings that exist', (page) => {
    const file = join(ROOT, page);
    const broken = relativeLinks(readFileSync(file, 'utf8')).filter((link) => {
      const [path, anchor] = link.split('#');
      const target = path ? resolve(dirname(file), path) : file;
      if (!existsSync(target)) return true;
      return anchor !== undefined && target.endsWith('.md') && !headings(target).has(anchor);
    });
    expect(broken).toEqual([]);
  });

  it('never points outside the repository', () => {
    const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && !/^(node_modules|dist|bench\/results)\//.test(f) && f !== 'test/docs/docs-links.spec.ts');
    const offenders = tracked.filter((f) => {
      const path = join(ROOT, f);
      if (!existsSync(path)) return false;
      const text = readFileSync(path, 'utf8');
      return OUTSIDE_THE_REPO.test(text);
    });
    expect(offenders).toEqual([]);
  });
});
