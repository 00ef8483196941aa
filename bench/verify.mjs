#!/usr/bin/env node
// `npm run bench:verify`: what one access-token verify costs, per library, on this machine (no server, no cache).
// HS256: the app's own verifier (dist/auth/keys/hmac-token-verifier.js: run `npm run build` first), fast-jwt,
// jsonwebtoken with a KeyObject (the anchor's way) and jose; EdDSA: fast-jwt (the app's) and jose. Every library
// sees the same distinct tokens (the app's claims), round-robin, after a warm-up; the median of 5 rounds is printed.
import { createHmac, createSecretKey, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSigner, createVerifier } from 'fast-jwt';
import { jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';

const LEAN = fileURLToPath(new URL('../dist/auth/keys/hmac-token-verifier.js', import.meta.url));
const TOKENS = 20_000;
const VERIFIES = 100_000;
const ROUNDS = 5;
/** @typedef {(token: string) => unknown} Verify */
const RULES = { issuer: 'revocable-jwt-api', audience: 'revocable-jwt-api', clockToleranceSeconds: 5 };

if (!existsSync(LEAN)) {
  console.error('bench/verify.mjs: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
/** @typedef {{ hmacTokenVerifier: (key: import('node:crypto').KeyObject, rules: object) => Verify }} LeanModule */
/** @type {() => Promise<LeanModule>} */
const loadLean = () => import(LEAN);
const { hmacTokenVerifier } = await loadLean();

function claims() {
  const iat = Math.floor(Date.now() / 1000);
  return {
    sub: randomUUID(),
    jti: randomUUID(),
    sid: randomUUID(),
    roles: ['user'],
    ep: 'AbCdEfGhIjKlMnOp',
    iat,
    exp: iat + 900,
    iss: RULES.issuer,
    aud: RULES.audience,
  };
}

const secret = randomBytes(48);
const secretKey = createSecretKey(secret);
const hsHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'bench-secret-kid' })).toString(
  'base64url',
);
const hsTokens = Array.from({ length: TOKENS }, () => {
  const body = `${hsHeader}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}`;
  return `${body}.${createHmac('sha256', secretKey).update(body).digest('base64url')}`;
});
const ed = generateKeyPairSync('ed25519');
const signEd = createSigner({ key: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }), algorithm: 'EdDSA' });
const edTokens = Array.from({ length: TOKENS / 4 }, () => signEd(claims()));

const fastJwtOptions = { allowedIss: RULES.issuer, allowedAud: RULES.audience, clockTolerance: 5000 };
const joseOptions = { issuer: RULES.issuer, audience: RULES.audience, clockTolerance: 5 };
/** @type {[string, string, string[], Verify][]} */
const cases = [
  ['HS256', 'the app (hmac-token-verifier)', hsTokens, hmacTokenVerifier(secretKey, RULES)],
  ['HS256', 'fast-jwt', hsTokens, createVerifier({ key: secret, algorithms: ['HS256'], ...fastJwtOptions })],
  [
    'HS256',
    'jsonwebtoken, KeyObject',
    hsTokens,
    (token) => jsonwebtoken.verify(token, secretKey, { algorithms: ['HS256'], ...joseOptions }),
  ],
  [
    'HS256',
    'jose (async)',
    hsTokens,
    (token) => jwtVerify(token, secretKey, { algorithms: ['HS256'], ...joseOptions }),
  ],
  [
    'EdDSA',
    'fast-jwt (the app)',
    edTokens,
    createVerifier({
      key: ed.publicKey.export({ type: 'spki', format: 'pem' }),
      algorithms: ['EdDSA'],
      ...fastJwtOptions,
    }),
  ],
  [
    'EdDSA',
    'jose (async)',
    edTokens,
    (token) => jwtVerify(token, ed.publicKey, { algorithms: ['EdDSA'], ...joseOptions }),
  ],
];

/**
 * µs per verify over `count` verifies of `tokens`, round-robin; awaited one by one when `verify` is async.
 * @param {string[]} tokens
 * @param {Verify} verify
 * @param {number} count
 */
async function timed(tokens, verify, count) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1) {
    const result = verify(tokens[i % tokens.length]);
    if (result instanceof Promise) await result;
  }
  return Number(process.hrtime.bigint() - started) / count / 1000;
}

/** @param {number[]} values */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log(
  `node ${process.version}, ${TOKENS} distinct HS256 tokens, ${VERIFIES} verifies per round, median of ${ROUNDS}`,
);
for (const [algorithm, name, tokens, verify] of cases) {
  const count = algorithm === 'EdDSA' ? VERIFIES / 10 : VERIFIES;
  await timed(tokens, verify, count / 5); // warm-up
  const rounds = [];
  for (let round = 0; round < ROUNDS; round += 1) rounds.push(await timed(tokens, verify, count));
  console.log(`${algorithm}  ${name.padEnd(30)} ${median(rounds).toFixed(2).padStart(7)} µs per verify`);
}
