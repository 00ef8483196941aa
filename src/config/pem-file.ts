import { readFileSync } from 'node:fs';

/** The text of the PEM CA bundle `key` names (undefined when unset); when it cannot be read, its problem is added. */
export function caBundleSetting(problems: string[], key: string, path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is not a file'
          : `cannot be read (${code ?? String(error)})`;
    problems.push(`${key} must be a readable PEM CA bundle: "${path}" ${reason}`);
    return undefined;
  }
}
