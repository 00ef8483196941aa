/*
 * Lua for the session store. Every key a script touches carries the same user hash tag, so each script runs in one
 * slot on a Redis Cluster too. Scripts that walk a user's sessions build the session keys from a prefix argument:
 * the hash tag is in the prefix, so those keys share the slot of the declared ones.
 */

// Sets a key's expiry to `at` unless it already expires later (a key without expiry gets one).
const EXTEND = `
local function extend(key, at)
  if redis.call('PEXPIRETIME', key) < tonumber(at) then redis.call('PEXPIREAT', key, at) end
end
`;

/** KEYS: session, sessions. ARGV: sid, createdAt, userAgent, refreshExp, absExp, hash, maxSessions, sessionPrefix. */
export const CREATE_SESSION = `${EXTEND}
redis.call('HSET', KEYS[1], 'createdAt', ARGV[2], 'lastUsedAt', ARGV[2], 'ua', ARGV[3], 'refreshExp', ARGV[4],
  'absExp', ARGV[5], 'gen', 0, 'hash', ARGV[6], 'rotatedAt', 0)
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
extend(KEYS[2], ARGV[4])
local evicted = {}
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[7])
if excess > 0 then
  for _, sid in ipairs(redis.call('ZRANGE', KEYS[2], 0, excess)) do
    if sid ~= ARGV[1] and #evicted < excess then
      redis.call('DEL', ARGV[8] .. sid)
      redis.call('ZREM', KEYS[2], sid)
      table.insert(evicted, sid)
    end
  end
end
return evicted
`;

/**
 * KEYS: session, sessions, revoked sid, user not-before.
 * ARGV: sid, generation, hash, nextHash, nextRefreshExp, now, graceMs, revokeUntil.
 * Returns {outcome} or {'rotated', refreshExp}.
 */
export const ROTATE_REFRESH_TOKEN = `${EXTEND}
if redis.call('EXISTS', KEYS[3]) == 1 then return {'invalid'} end
local s = redis.call('HMGET', KEYS[1], 'gen', 'hash', 'rotatedAt', 'absExp', 'createdAt')
if not s[1] then return {'invalid'} end
local notBefore = redis.call('GET', KEYS[4])
if notBefore and tonumber(s[5]) <= tonumber(notBefore) then return {'invalid'} end
local current, presented, now = tonumber(s[1]), tonumber(ARGV[2]), tonumber(ARGV[6])
if presented == current and s[2] == ARGV[3] then
  local expires = math.min(tonumber(ARGV[5]), tonumber(s[4]))
  if expires <= now then return {'invalid'} end
  redis.call('HSET', KEYS[1], 'gen', current + 1, 'hash', ARGV[4], 'rotatedAt', now, 'lastUsedAt', now,
    'refreshExp', expires)
  redis.call('PEXPIREAT', KEYS[1], expires)
  redis.call('ZADD', KEYS[2], expires, ARGV[1])
  extend(KEYS[2], expires)
  return {'rotated', tostring(expires)}
end
if presented == current - 1 and now - tonumber(s[3]) < tonumber(ARGV[7]) then return {'superseded'} end
if presented < current then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('SET', KEYS[3], '1', 'PXAT', ARGV[8])
  return {'reused'}
end
return {'invalid'}
`;

/**
 * Read-only twin of ROTATE_REFRESH_TOKEN's checks (introspection): writes nothing, whatever was presented.
 * KEYS: session, revoked sid, user not-before. ARGV: generation, hash, now.
 * Returns {createdAt, lastUsedAt, userAgent, refreshExp, absExp, rotatedAt} for the current token, else nil.
 */
export const INSPECT_REFRESH_TOKEN = `
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local s = redis.call('HMGET', KEYS[1], 'gen', 'hash', 'createdAt', 'lastUsedAt', 'ua', 'refreshExp', 'absExp',
  'rotatedAt')
if not s[1] then return false end
local notBefore = redis.call('GET', KEYS[3])
if notBefore and tonumber(s[3]) <= tonumber(notBefore) then return false end
if tonumber(s[1]) ~= tonumber(ARGV[1]) or s[2] ~= ARGV[2] then return false end
if tonumber(s[6]) <= tonumber(ARGV[3]) then return false end
return {s[3], s[4], s[5], s[6], s[7], s[8]}
`;

/** KEYS: sessions. ARGV: sessionPrefix. */
export const REMOVE_ALL_SESSIONS = `
for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do redis.call('DEL', ARGV[1] .. sid) end
redis.call('DEL', KEYS[1])
return 'OK'
`;
