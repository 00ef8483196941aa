// @ts-check
/**
 * fetch() for revocable-jwt-api in a browser page: a plain ES module, no build step, no dependency.
 *
 * The access token stays in memory; the refresh token is kept in `localStorage`, shared by the tabs of the origin.
 * Refresh tokens rotate on every use, so two tabs must never both spend the same one after REFRESH_REUSE_GRACE, nor
 * ever one two rotations old (the API takes either as theft and ends the session). A Web Lock lets one tab refresh
 * at a time, but a tab that gets the lock may still see the value the previous holder replaced: `localStorage`
 * reaches other tabs asynchronously. Hence, under the lock:
 * - a token this tab has already exchanged is stale storage, never sent again: the tab waits for the newer value
 *   to arrive (`storage` event, or a short re-read), else sends the successor it received itself;
 * - a token another tab spent moments ago is answered by the API with that same successor (within the grace);
 * - a refused refresh (401) is read again and retried once when the storage changed meanwhile (another tab changed
 *   the password, which ends every session and opens a new one there, or logged in again).
 * 429 and 503 are never a logout: they throw RetryLater and keep the tokens.
 *
 * @example
 * import { createAuthClient, LoggedOut, RetryLater } from './auth-fetch.js';
 * const auth = createAuthClient({ api: 'https://api.example.com', onLoggedOut: () => location.assign('/login') });
 * if (await auth.login(email, password)) console.log(await (await auth.fetch('/me')).json());
 */

/** How long a tab waits for storage to catch up with a write it has already seen the result of. */
const STALE_STORAGE_WAIT_MS = 1000;
const STALE_STORAGE_POLL_MS = 20;
/** Tokens remembered as exchanged: storage never lags by more than a few writes. */
const SPENT_TOKENS_KEPT = 16;

/** 429 or 503: the request was not served. Try again after `retryAfter` seconds; the user is still logged in. */
export class RetryLater extends Error {
  /** @param {Response} response */
  constructor(response) {
    super(`HTTP ${response.status}: retry later`);
    this.name = 'RetryLater';
    this.status = response.status;
    this.retryAfter = Number(response.headers.get('Retry-After')) || 1;
  }
}

/** The session is over (expired, revoked, logged out elsewhere): the tokens are forgotten; log in again. */
export class LoggedOut extends Error {
  constructor() {
    super('logged out');
    this.name = 'LoggedOut';
  }
}

/**
 * The body of a 200 from /login and /refresh.
 * @typedef {object} TokenResponse
 * @property {string} access_token
 * @property {string} token_type
 * @property {number} expires_in
 * @property {string} refresh_token
 * @property {number} refresh_expires_in
 */

/**
 * @typedef {object} AuthClientOptions
 * @property {string} api The API's origin, with API_PREFIX if one is set, e.g. `https://api.example.com/v1`.
 * @property {() => void} [onLoggedOut] Called once the session is over, e.g. to show the login page.
 * @property {string} [storageKey] The `localStorage` key of the refresh token.
 * @property {string} [lockName] The Web Lock that serialises the refreshes of the tabs.
 */

/**
 * @typedef {object} AuthClient
 * @property {(path: string, init?: RequestInit) => Promise<Response>} fetch fetch() for the API: the bearer
 *   token, then on a refused token one refresh and one retry. Throws LoggedOut or RetryLater.
 * @property {(email: string, password: string) => Promise<boolean>} login True once logged in; false for a wrong
 *   email or password (one answer for both) or invalid input.
 * @property {(options?: { everywhere?: boolean }) => Promise<void>} logout Ends this session, or every session of
 *   the user, on the server; then forgets the tokens.
 * @property {() => Promise<boolean>} refresh A fresh access token now (e.g. when the app starts): true if it
 *   worked, false if the session is over.
 * @property {(currentPassword: string, newPassword: string) => Promise<Response>} changePassword POST /me/password:
 *   every session of the user ends and this tab gets the new one (kept here, as the other tabs will read it). The
 *   answer as it came: 200; 401 (no challenge) for a wrong current password, 400 for a refused new one, 409 when
 *   another change won.
 */

/**
 * @param {AuthClientOptions} options
 * @returns {AuthClient}
 */
export function createAuthClient({
  api,
  onLoggedOut = () => {},
  storageKey = 'revocable-jwt-api.refresh_token',
  lockName = 'revocable-jwt-api-refresh',
}) {
  /** @type {string | null} memory only */
  let accessToken = null;
  /** @type {Promise<boolean> | null} the refresh in flight, shared by every request of this tab that got a 401 */
  let refreshing = null;
  /** @type {string | null} the refresh token this tab received last */
  let received = null;
  /** @type {string[]} refresh tokens this tab exchanged for a successor: never to be sent again */
  const spent = [];

  /** @param {TokenResponse} tokens */
  function saveTokens(tokens) {
    accessToken = tokens.access_token;
    received = tokens.refresh_token;
    localStorage.setItem(storageKey, tokens.refresh_token);
  }

  function clearTokens() {
    accessToken = null;
    received = null;
    localStorage.removeItem(storageKey);
  }

  function loggedOut() {
    clearTokens();
    onLoggedOut();
    return new LoggedOut();
  }

  /** @param {string} path @param {unknown} body */
  function postJson(path, body) {
    return fetch(`${api}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /**
   * The refresh token to send: the stored one, unless this tab has exchanged it already (the storage it sees lags
   * behind a write); then the newer value once it arrives, else the successor this tab received for it.
   * @returns {Promise<string | null>}
   */
  async function currentRefreshToken() {
    const stored = localStorage.getItem(storageKey);
    if (stored === null || !spent.includes(stored)) return stored;
    const caughtUp = await storageChangedFrom(stored);
    return caughtUp === stored ? received : caughtUp;
  }

  /**
   * The stored refresh token once it is no longer one this tab exchanged (null: logged out in another tab), or
   * `stale` when nothing newer arrived in time.
   * @param {string} stale
   * @returns {Promise<string | null>}
   */
  function storageChangedFrom(stale) {
    return new Promise((resolve) => {
      const deadline = Date.now() + STALE_STORAGE_WAIT_MS;
      const check = () => {
        const stored = localStorage.getItem(storageKey);
        const fresh = stored === null || !spent.includes(stored);
        if (!fresh && Date.now() < deadline) return;
        clearInterval(poll);
        removeEventListener('storage', onStorage);
        resolve(fresh ? stored : stale);
      };
      /** @param {StorageEvent} event */
      const onStorage = (event) => {
        if (event.key === storageKey || event.key === null) check();
      };
      const poll = setInterval(check, STALE_STORAGE_POLL_MS);
      addEventListener('storage', onStorage);
    });
  }

  /** @param {string} refreshToken */
  const exchange = (refreshToken) => postJson('/refresh', { refresh_token: refreshToken });

  /** Exchanges the current refresh token for a new pair: true if it worked, false if the session is over. */
  async function refreshTokens() {
    let sent = await currentRefreshToken();
    if (!sent) return false;
    let res = await exchange(sent);
    if (res.status === 401) {
      // Another tab may have stored a newer session's token meanwhile: read again and retry once with it.
      const again = await currentRefreshToken();
      if (again && again !== sent) {
        sent = again;
        res = await exchange(again);
      }
    }
    if (retryLater(res)) throw new RetryLater(res);
    if (!res.ok) return false; // 401: unknown, expired, revoked, or reused after the grace window
    const tokens = await tokensOf(res);
    spent.push(sent);
    if (spent.length > SPENT_TOKENS_KEPT) spent.shift();
    saveTokens(tokens);
    return true;
  }

  function refresh() {
    // Without Web Locks (an insecure context) the tabs are not serialised; the API's reuse grace covers most races.
    refreshing ??= (navigator.locks ? navigator.locks.request(lockName, refreshTokens) : refreshTokens()).finally(
      () => (refreshing = null),
    );
    return refreshing;
  }

  /** @param {string} path @param {RequestInit} init */
  function send(path, init) {
    const headers = new Headers(init.headers);
    if (accessToken) headers.set('Authorization', `Bearer ${accessToken}`);
    return fetch(`${api}${path}`, { ...init, headers });
  }

  /** @type {AuthClient['fetch']} */
  async function authFetch(path, init = {}) {
    let res = await send(path, init);
    if (tokenRefused(res)) {
      if (!(await refresh())) throw loggedOut();
      res = await send(path, init);
      if (tokenRefused(res)) throw loggedOut();
    }
    if (retryLater(res)) throw new RetryLater(res);
    return res;
  }

  return {
    fetch: authFetch,

    async login(email, password) {
      const res = await postJson('/login', { email, password });
      if (retryLater(res)) throw new RetryLater(res);
      if (!res.ok) return false;
      saveTokens(await tokensOf(res));
      return true;
    },

    async logout({ everywhere = false } = {}) {
      // 204; RetryLater: nothing was revoked yet, the tokens are kept.
      await authFetch(everywhere ? '/logout-all' : '/logout', { method: 'POST' });
      clearTokens();
    },

    refresh,

    async changePassword(currentPassword, newPassword) {
      const res = await authFetch('/me/password', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ current_password: currentPassword, new_password: newPassword }),
      });
      if (res.ok) saveTokens(await tokensOf(res));
      return res;
    },
  };
}

/**
 * A refused token (missing, expired, revoked) gets a 401 with the RFC 6750 challenge; a wrong password
 * (POST /me/password, DELETE /me) gets a 401 without it, and must not log anyone out.
 * @param {Response} res
 */
const tokenRefused = (res) => res.status === 401 && /^Bearer\b/.test(res.headers.get('WWW-Authenticate') ?? '');

/**
 * The body of a 200 from /login or /refresh.
 * @param {Response} res
 * @returns {Promise<TokenResponse>}
 */
const tokensOf = (res) => res.json();

/** @param {Response} res */
const retryLater = (res) => res.status === 429 || res.status === 503;
