/*
 * Lua for the epoch records: one hash per record, `{id, seq, rev, cause, at}`. `seq` numbers the epochs in order,
 * `rev` counts the changes made under this epoch (every session opened, rotated or ended), so a copy of the data
 * that misses some of them shows a lower count. Both scripts run under OOM too (allow-oom): ending an epoch, like
 * a revocation, must never be refused for lack of memory.
 */

/**
 * Installs epoch ARGV[2] (seq ARGV[3]) in record KEYS[1] and its id key KEYS[2], replacing the epoch ARGV[1] ('' for
 * none) or any older one, and counting from 0. A record that already holds ARGV[2] (with its id key), or another
 * epoch at least as new, is left alone. ARGV[4]: why, ARGV[5]: when (ms). Returns the record's {id, seq} afterwards.
 */
export const INSTALL_EPOCH = `#!lua flags=allow-oom
local id, seq = unpack(redis.call('HMGET', KEYS[1], 'id', 'seq'))
if id == ARGV[2] and redis.call('GET', KEYS[2]) == id then return {id, seq} end
if id and id ~= ARGV[1] and id ~= ARGV[2] and tonumber(seq) >= tonumber(ARGV[3]) then return {id, seq} end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'id', ARGV[2], 'seq', ARGV[3], 'rev', 0, 'cause', ARGV[4], 'at', ARGV[5])
redis.call('SET', KEYS[2], ARGV[2])
return {ARGV[2], ARGV[3]}
`;

/**
 * Counts one change in record KEYS[1] (a Cluster master's, after a change on that master). Returns {id, count}: the
 * epoch counted under, or {false, 0} when the record is gone.
 */
export const COUNT_CHANGE = `#!lua flags=allow-oom
local id = redis.call('HGET', KEYS[1], 'id')
if not id then return {false, 0} end
return {id, redis.call('HINCRBY', KEYS[1], 'rev', 1)}
`;
