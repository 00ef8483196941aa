const EXAMPLE = 'like https://app.example.com';

/**
 * Reads CORS_ORIGINS: origins separated by commas (blank entries ignored), each exactly as a browser sends it in
 * `Origin` (`scheme://host[:port]`, http or https), since the CORS answers echo a matching one with credentials
 * allowed. Every problem is one line naming CORS_ORIGINS and the entry.
 */
export function parseCorsOrigins(setting: string | undefined): { origins: string[]; problems: string[] } {
  const origins: string[] = [];
  const problems: string[] = [];
  const entries = (setting ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const problem = originProblem(entry);
    if (problem) problems.push(problem);
    else if (!origins.includes(entry)) origins.push(entry);
  }
  return { origins, problems };
}

function originProblem(entry: string): string | undefined {
  // With credentials, "*" would let every site act as the signed-in user; "null" is the origin of every sandboxed
  // iframe and file:// page, whoever wrote them.
  if (entry === '*' || entry.toLowerCase() === 'null') {
    return `CORS_ORIGINS must not hold "${entry}": credentials are allowed, so it would let any page call the API as the user; list the frontend's origins, ${EXAMPLE}`;
  }
  const url = URL.canParse(entry) ? new URL(entry) : undefined;
  const isWebOrigin =
    url !== undefined &&
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.username === '' &&
    url.password === '' &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '' &&
    !entry.endsWith('/');
  if (!isWebOrigin) {
    return `CORS_ORIGINS entry "${entry}" is not an origin: write scheme://host[:port] (http or https; no path, query, user or trailing slash), ${EXAMPLE}`;
  }
  // A browser sends the host in lower case and leaves out the scheme's default port: anything else never matches.
  if (url.origin !== entry)
    return `CORS_ORIGINS entry "${entry}" never matches a browser's Origin: write it as ${url.origin}`;
  return undefined;
}
