/*
 * Lua for the revocation entries the guard reads (RedisRevocationStore): the session scripts write and test them
 * only through these functions, on keys from RedisKeys.revokedToken and RedisKeys.revokedSession. The in-memory
 * twin of each rule is in in-memory-revocation.store.ts (`Revoked`).
 */
export const REVOCATION_LUA = `
-- Revokes \`key\` until \`at\` (ms, store clock): a revocation only ever lasts longer, never shorter.
local function revoke(key, at)
  redis.call('SET', key, '1', 'PXAT', at, 'NX')
  redis.call('PEXPIREAT', key, at, 'GT')
end
local function is_revoked(key)
  return redis.call('EXISTS', key) == 1
end
`;
