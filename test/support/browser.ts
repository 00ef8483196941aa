import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePort } from './redis-server.js';

/** Where the browser client lives: the test pages load it from there, as a frontend would. */
export const CLIENTS_DIR = resolve(__dirname, '..', '..', 'clients', 'browser');

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export const NO_CHROMIUM_MESSAGE = [
  'The browser tests need Chromium, and none was found (CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser).',
  'Install it, then run the tests again: `sudo apt-get install chromium` (Debian/Ubuntu),',
  'or point CHROMIUM_PATH at a Chromium or Chrome binary.',
].join('\n');

// Headless, and quiet on the network: without the background-networking flags Chromium keeps calling home. As root
// (CI containers) it only runs without its sandbox.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium; throws, saying how to install one, when there is none. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = [process.env.CHROMIUM_PATH, ...CHROMIUM_CANDIDATES].find(
    (path): path is string => !!path && existsSync(path),
  );
  if (!executablePath) throw new Error(NO_CHROMIUM_MESSAGE);
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

// The page imports the client as a frontend would and hands the module to the test as `window.authFetch`.
const FRONTEND_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>frontend</title>
<script type="module">
  import * as authFetch from '/auth-fetch.js';
  window.authFetch = authFetch;
</script>`;

export interface PageServer {
  /** `http://127.0.0.1:<port>`: the frontend's origin, never the API's. */
  origin: string;
  close(): Promise<void>;
}

/**
 * A frontend's static server on a free loopback port: a page at `/` that loads auth-fetch.js, and the browser client's modules, read
 * from clients/browser at each request (so they are exactly the repository's files). Everything else is a 404.
 */
export async function startPageServer(): Promise<PageServer> {
  const port = await freePort();
  const server: Server = createServer((request, response) => {
    const name = (request.url ?? '/').split('?')[0];
    if (name === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(FRONTEND_PAGE);
      return;
    }
    const file = /^\/[a-z-]+\.js$/.test(name) ? join(CLIENTS_DIR, name) : undefined;
    if (!file || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
    response.end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((done) => server.close(() => done()));
    },
  };
}
