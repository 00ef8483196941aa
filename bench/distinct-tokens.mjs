// The first request of a token: a stream of distinct valid access tokens, each sent once, so that neither the
// app's verified-token cache nor anything else keyed by the token can help (run.mjs, the "… first" targets).
import { createHmac, createSecretKey, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseJson } from './lib.mjs';

/** Above any rate this machine serves GET /me at: the stream must not run dry (a reused token is reported). */
export const MAX_RPS = 40_000;

/**
 * Writes `count` copies of `token` to `file`, one per line, each with a fresh v4 `jti` and signed again with the
 * HS256 `secret` under the token's own header: the same user, session, roles and store epoch, all valid, all
 * different. With `newSessions`, each also gets a fresh v4 `sid`: a session no check has seen (the app's guard
 * asks only whether a session was revoked, so an unknown one is valid). Resolves once the file is complete.
 * @param {string} token   an access token the target issued (HS256, signed with `secret`)
 * @param {string} secret  JWT_SECRET, as the target reads it (its UTF-8 bytes)
 * @param {number} count
 * @param {string} file
 * @param {{ newSessions?: boolean }} [options]
 */
export async function writeDistinctTokens(token, secret, count, file, { newSessions = false } = {}) {
  const [header, payload] = token.split('.');
  const claims = /** @type {Record<string, unknown>} */ (parseJson(Buffer.from(payload, 'base64url').toString()));
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  const out = createWriteStream(file);
  for (let i = 0; i < count; i += 1) {
    const fresh = newSessions ? { jti: randomUUID(), sid: randomUUID() } : { jti: randomUUID() };
    const body = `${header}.${Buffer.from(JSON.stringify({ ...claims, ...fresh })).toString('base64url')}`;
    const line = `${body}.${createHmac('sha256', key).update(body).digest('base64url')}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
