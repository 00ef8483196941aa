/*
 * Lua for the session store. Every key a script touches carries the same user hash tag, so each script runs in one
 * slot on a Redis Cluster too; the session records it walks are built from a prefix argument that carries the tag.
 *
 * Layout: a hash per session (`createdAt lastUsedAt ua refreshExp absExp gen hash prev rotatedAt ep rk`), kept until
 * the last access token of the session can verify (`refreshExp` + the token lifetime), and a sorted set of the
 * user's session ids scored by that same moment. `rk` is the session's revocation key (the one the guard reads),
 * `ep` the store epoch the session was opened in.
 *
 * Calling convention: KEYS[1] is the epoch record (standalone and Sentinel) or, on a Cluster, any key of the user's
 * slot in its place; ARGV[1] is '' (read the record) or the epoch id the caller holds (Cluster). Every script
 * returns {outcome, count, epoch, ...}: `count` is the record's change count after the script counted its change
 * (0 when it changed nothing, or on a Cluster, where the caller counts), `epoch` the epoch it ran under.
 *
 * Every time comes from the server (TIME): no instance clock decides an expiry, a grace window or an order.
 * Scripts that only end sessions run under OOM too (allow-oom): a revocation is never refused for lack of memory,
 * and each ending writes one small key.
 */

import { REVOCATION_LUA } from '../revocation/redis-revocation.scripts.js';

const PRELUDE = `${REVOCATION_LUA}
local EPOCH_RECORD = ARGV[1] == '' and KEYS[1] or false
local function epoch_now()
  if EPOCH_RECORD then return redis.call('HGET', EPOCH_RECORD, 'id') end
  return ARGV[1]
end
-- One more change under this epoch, so that a copy of the data that lacks it shows a lower count.
local function count_change()
  if EPOCH_RECORD and redis.call('EXISTS', EPOCH_RECORD) == 1 then
    return redis.call('HINCRBY', EPOCH_RECORD, 'rev', 1)
  end
  return 0
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Sets a key's expiry to \`at\` unless it already expires later.
local function extend(key, at)
  if redis.call('PEXPIRETIME', key) < at then redis.call('PEXPIREAT', key, at) end
end
-- Ends one session: its id is revoked until its record would have expired (its last token's end), then the record
-- and its entry in the set go. 0 when there was no record.
local function end_session(sessions, prefix, sid)
  local record = prefix .. sid
  redis.call('ZREM', sessions, sid)
  local revocation = redis.call('HGET', record, 'rk')
  if not revocation then return 0 end
  revoke(revocation, redis.call('PEXPIRETIME', record))
  redis.call('DEL', record)
  return 1
end
local function end_all(sessions, prefix, keep)
  for _, sid in ipairs(redis.call('ZRANGE', sessions, 0, -1)) do
    if sid ~= keep then end_session(sessions, prefix, sid) end
  end
end
-- The account version of the user's last change that ended every session (SessionStore.open): 0 when none.
local function marked_version(mark)
  return tonumber(redis.call('GET', mark) or '0')
end
-- Remembers a change of the account at \`version\` that ended every session, unless a later one is remembered.
local function mark_version(mark, version, ttl)
  if version > marked_version(mark) then redis.call('SET', mark, version, 'PX', ttl) end
end
-- The caller's token still works: its jti is not revoked and its session was not ended.
local function caller_live(prefix, sid, revoked_jti)
  return not is_revoked(revoked_jti) and redis.call('EXISTS', prefix .. sid) == 1
end
`;

/**
 * Opens a session for an account read at version ARGV[12], unless a change of the account after that version ended
 * every session. With a caller (ARGV[11]), first ends every session of the user, the caller's own included,
 * provided the caller's token is still live, and remembers the version as such a change. Sessions beyond the
 * per-user limit are ended, oldest first.
 * KEYS: epoch, session, sessions, caller's revoked jti (or any same-slot key), account mark.
 * ARGV: epoch, sid, userAgent, hash, revocationKey, refreshTtlMs, maxAgeMs, tokenLifetimeMs, maxSessions,
 *   sessionPrefix, callerSid ('' for none), accountVersion, markTtlMs.
 * Returns {'opened', count, epoch, createdAt, refreshExp, absExp, ended}
 *   | {'caller-ended'|'account-changed'|'no-epoch', 0, epoch}: `ended` is 1 when other sessions were ended on the way.
 */
export const OPEN_SESSION = `${PRELUDE}
local ep = epoch_now()
if not ep then return {'no-epoch', 0, false} end
local record, sessions, prefix = KEYS[2], KEYS[3], ARGV[10]
local version = tonumber(ARGV[12])
if marked_version(KEYS[5]) > version then return {'account-changed', 0, ep} end
local ended = 0
if ARGV[11] ~= '' then
  if not caller_live(prefix, ARGV[11], KEYS[4]) then return {'caller-ended', 0, ep} end
  end_all(sessions, prefix, false)
  mark_version(KEYS[5], version, ARGV[13])
  ended = 1
end
local now = now_ms()
local absExp = now + tonumber(ARGV[7])
local refreshExp = math.min(now + tonumber(ARGV[6]), absExp)
local last = refreshExp + tonumber(ARGV[8])
redis.call('HSET', record, 'createdAt', now, 'lastUsedAt', now, 'ua', ARGV[3], 'refreshExp', refreshExp,
  'absExp', absExp, 'gen', 0, 'hash', ARGV[4], 'prev', '', 'rotatedAt', 0, 'ep', ep, 'rk', ARGV[5])
redis.call('PEXPIREAT', record, last)
redis.call('ZREMRANGEBYSCORE', sessions, '-inf', now)
redis.call('ZADD', sessions, last, ARGV[2])
extend(sessions, last)
local excess = redis.call('ZCARD', sessions) - tonumber(ARGV[9])
if excess > 0 then
  for _, sid in ipairs(redis.call('ZRANGE', sessions, 0, excess)) do
    if sid ~= ARGV[2] and excess > 0 then
      end_session(sessions, prefix, sid)
      excess = excess - 1
      ended = 1
    end
  end
end
return {'opened', count_change(), ep, now, refreshExp, absExp, ended}
`;

/**
 * KEYS: epoch, session, sessions. ARGV: epoch, sid, generation, hash, nextHash, refreshTtlMs, tokenLifetimeMs,
 * graceMs, sessionPrefix.
 * Returns {'rotated'|'replayed', count, epoch, createdAt, lastUsedAt, refreshExp, absExp, userAgent}
 *   | {'reused'|'invalid'|'no-epoch', count, epoch}.
 */
export const ROTATE_REFRESH_TOKEN = `${PRELUDE}
local ep = epoch_now()
if not ep then return {'no-epoch', 0, false} end
local record, sessions = KEYS[2], KEYS[3]
local s = redis.call('HMGET', record, 'gen', 'hash', 'prev', 'rotatedAt', 'refreshExp', 'absExp', 'ep', 'createdAt',
  'lastUsedAt', 'ua')
if not s[1] or s[7] ~= ep then return {'invalid', 0, ep} end
local now = now_ms()
if now >= tonumber(s[5]) then return {'invalid', 0, ep} end
local current, presented = tonumber(s[1]), tonumber(ARGV[3])
if presented == current and s[2] == ARGV[4] then
  local refreshExp = math.min(now + tonumber(ARGV[6]), tonumber(s[6]))
  local last = refreshExp + tonumber(ARGV[7])
  redis.call('HSET', record, 'gen', current + 1, 'hash', ARGV[5], 'prev', ARGV[4], 'rotatedAt', now,
    'lastUsedAt', now, 'refreshExp', refreshExp)
  extend(record, last)
  redis.call('ZADD', sessions, 'GT', last, ARGV[2])
  extend(sessions, last)
  return {'rotated', count_change(), ep, tonumber(s[8]), now, refreshExp, tonumber(s[6]), s[10]}
end
-- The token just rotated, presented again within the grace window, and the current one is its successor.
if presented == current - 1 and s[3] == ARGV[4] and s[2] == ARGV[5] and now - tonumber(s[4]) < tonumber(ARGV[8]) then
  return {'replayed', 0, ep, tonumber(s[8]), tonumber(s[9]), tonumber(s[5]), tonumber(s[6]), s[10]}
end
if presented < current then
  end_session(sessions, ARGV[9], ARGV[2])
  return {'reused', count_change(), ep}
end
return {'invalid', 0, ep}
`;

/**
 * Read-only twin of ROTATE_REFRESH_TOKEN's checks (introspection): writes nothing, whatever was presented.
 * KEYS: epoch, session. ARGV: epoch, generation, hash.
 * Returns {'current', 0, epoch, createdAt, lastUsedAt, refreshExp, absExp, userAgent, rotatedAt} | {'invalid', 0, ep}.
 */
export const INSPECT_REFRESH_TOKEN = `#!lua flags=no-writes
${PRELUDE}
local ep = epoch_now()
if not ep then return {'no-epoch', 0, false} end
local s = redis.call('HMGET', KEYS[2], 'gen', 'hash', 'createdAt', 'lastUsedAt', 'ua', 'refreshExp', 'absExp',
  'rotatedAt', 'ep')
if not s[1] or s[9] ~= ep then return {'invalid', 0, ep} end
if tonumber(s[1]) ~= tonumber(ARGV[2]) or s[2] ~= ARGV[3] then return {'invalid', 0, ep} end
if tonumber(s[6]) <= now_ms() then return {'invalid', 0, ep} end
return {'current', 0, ep, tonumber(s[3]), tonumber(s[4]), tonumber(s[6]), tonumber(s[7]), s[5], tonumber(s[8])}
`;

/**
 * Ends one session; with a token (a logout), also revokes its jti until ARGV[4], and its session id until then at
 * least, whether or not the session's record was still there: a jti is never revoked without its session, for at
 * least as long, the rule the revocation mirror answers a session's every token by (RedisRevocationStore).
 * KEYS: epoch, sessions, revoked sid, revoked jti (or any same-slot key). ARGV: epoch, sessionPrefix, sid,
 *   jtiUntilMs ('' for none).
 * Returns {'ended'|'revoked'|'absent', count, epoch}: the session ended, or (no session) only the token was
 * revoked, or nothing changed.
 */
export const END_SESSION = `#!lua flags=allow-oom
${PRELUDE}
if ARGV[4] ~= '' then revoke(KEYS[4], ARGV[4]) end
local ended = end_session(KEYS[2], ARGV[2], ARGV[3])
if ARGV[4] ~= '' then revoke(KEYS[3], ARGV[4]) end
if ended == 1 then return {'ended', count_change(), epoch_now()} end
if ARGV[4] ~= '' then return {'revoked', count_change(), epoch_now()} end
return {'absent', 0, epoch_now()}
`;

/**
 * Ends every session of the user; with a caller (ARGV[3]), only if the caller's token is still live, and then
 * every session but the caller's own when ARGV[4] is '1'. With an account version (ARGV[5]), remembers it as a
 * change that ended every session (see OPEN_SESSION).
 * KEYS: epoch, sessions, caller's revoked jti (or any same-slot key), account mark.
 * ARGV: epoch, sessionPrefix, callerSid, keep, accountVersion ('' for none), markTtlMs.
 * Returns {'ended'|'caller-ended', count, epoch}.
 */
export const END_ALL_SESSIONS = `#!lua flags=allow-oom
${PRELUDE}
if ARGV[3] ~= '' and not caller_live(ARGV[2], ARGV[3], KEYS[3]) then return {'caller-ended', 0, epoch_now()} end
end_all(KEYS[2], ARGV[2], ARGV[4] == '1' and ARGV[3] or false)
if ARGV[5] ~= '' then mark_version(KEYS[4], tonumber(ARGV[5]), ARGV[6]) end
return {'ended', count_change(), epoch_now()}
`;
