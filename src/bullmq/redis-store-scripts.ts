/**
 * The Lua scripts of {@link RedisStore}: each store call that reads and writes is one script, so
 * it runs atomically on the server. Keys are derived from the prefix inside the scripts (one batch
 * touches many workflows), which plain Redis and Sentinel allow and Redis Cluster does not.
 *
 * Keys, for prefix `P` and workflow `id`: `P:w:id` the record (hash), `P:j:id` the journal (list of
 * encoded entries, seq = index), `P:i:id` the inbox (sorted set scored by seq), `P:l:id` the lease
 * (`token:owner`, with a PX ttl), `P:t:id` the fencing-token counter; `P:ids` and `P:running` the
 * ids of all and of unfinished workflows (sorted sets scored by `created`); `P:b:batchId` the
 * answer of an applied batch, so a resent batch is applied once.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** A script and its SHA1, for EVALSHA. */
export interface Script {
  readonly lua: string;
  readonly sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash("sha1").update(lua).digest("hex") };
}

/** The record fields, in the order HMGET returns them. */
export const RECORD_FIELDS = ["runId", "name", "args", "state", "result", "error", "created", "updated"] as const;

/**
 * ARGV: prefix, id, runId, name, args, state, result, error, created, updated.
 * Returns `{1}` when it inserted the record, or `{0, ...the stored record's fields}`.
 */
export const CREATE = script(`
local P, id = ARGV[1], ARGV[2]
local k = P .. ':w:' .. id
if redis.call('EXISTS', k) == 1 then
  local r = redis.call('HMGET', k, 'runId', 'name', 'args', 'state', 'result', 'error', 'created', 'updated')
  table.insert(r, 1, 0)
  return r
end
redis.call('HSET', k, 'runId', ARGV[3], 'name', ARGV[4], 'args', ARGV[5], 'state', ARGV[6],
  'result', ARGV[7], 'error', ARGV[8], 'created', ARGV[9], 'updated', ARGV[10])
redis.call('ZADD', P .. ':ids', ARGV[9], id)
if ARGV[6] == 'running' then redis.call('ZADD', P .. ':running', ARGV[9], id) end
return {1}
`);

/**
 * ARGV: prefix, batchId, batchTtlMs, leases ('1' or '0'), n workflows, then per workflow: id, token
 * ('' when the store holds no lease), n entries, (seq, encoded entry) × n, finished state ('' for
 * none), result, error, updated, n taken, inbox seq × n; then n inbox items, (id, name-and-payload) × n.
 *
 * Checks everything before writing anything; a workflow whose fencing token is not the latest (or,
 * holding none, whose lease another owner holds) is refused and left untouched. Returns the refused
 * ids; an error reply (nothing written) for a missing workflow or an out-of-order journal entry.
 */
export const WRITE = script(`
local P = ARGV[1]
local doneKey = P .. ':b:' .. ARGV[2]
local done = redis.call('GET', doneKey)
if done then return cjson.decode(done) end
local leases = ARGV[4] == '1'
local n = tonumber(ARGV[5])
local i = 6
local wfs = {}
for w = 1, n do
  local wf = { id = ARGV[i], token = ARGV[i + 1], ne = tonumber(ARGV[i + 2]) }
  wf.es = i + 3
  i = wf.es + 2 * wf.ne
  wf.state, wf.result, wf.err, wf.updated = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  wf.nt = tonumber(ARGV[i + 4])
  wf.ts = i + 5
  i = wf.ts + wf.nt
  wfs[w] = wf
end
local ni = tonumber(ARGV[i])
local is = i + 1
local refused = {}
for _, wf in ipairs(wfs) do
  local id = wf.id
  local ok = true
  if leases then
    if wf.token == '' then
      ok = redis.call('EXISTS', P .. ':l:' .. id) == 0
    else
      ok = redis.call('GET', P .. ':t:' .. id) == wf.token
    end
  end
  if ok then
    if redis.call('EXISTS', P .. ':w:' .. id) == 0 then
      return redis.error_reply('ERR yieldos: no workflow "' .. id .. '"')
    end
    if wf.ne > 0 then
      local len = redis.call('LLEN', P .. ':j:' .. id)
      for k = 0, wf.ne - 1 do
        local seq = tonumber(ARGV[wf.es + 2 * k])
        if seq ~= len + k then
          return redis.error_reply('ERR yieldos: journal entry ' .. ARGV[wf.es + 2 * k] .. ' of workflow "' .. id ..
            '" is not next: the journal holds ' .. (len + k) .. ' entries')
        end
      end
    end
  else
    wf.refused = true
    table.insert(refused, id)
  end
end
for k = 0, ni - 1 do
  local id = ARGV[is + 2 * k]
  if redis.call('EXISTS', P .. ':w:' .. id) == 0 then
    return redis.error_reply('ERR yieldos: no workflow "' .. id .. '" for a signal')
  end
end
for _, wf in ipairs(wfs) do
  if not wf.refused then
    local id = wf.id
    local j = P .. ':j:' .. id
    for k = 0, wf.ne - 1 do redis.call('RPUSH', j, ARGV[wf.es + 2 * k + 1]) end
    if wf.state ~= '' then
      redis.call('HSET', P .. ':w:' .. id, 'state', wf.state, 'result', wf.result, 'error', wf.err, 'updated', wf.updated)
      if wf.state ~= 'running' then redis.call('ZREM', P .. ':running', id) end
    end
    for k = 0, wf.nt - 1 do
      local seq = ARGV[wf.ts + k]
      redis.call('ZREMRANGEBYSCORE', P .. ':i:' .. id, seq, seq)
    end
  end
end
for k = 0, ni - 1 do
  local id = ARGV[is + 2 * k]
  local seq = redis.call('HINCRBY', P .. ':w:' .. id, 'inboxSeq', 1)
  redis.call('ZADD', P .. ':i:' .. id, seq, seq .. ':' .. ARGV[is + 2 * k + 1])
end
redis.call('SET', doneKey, cjson.encode(refused), 'PX', ARGV[3])
return refused
`);

/** ARGV: prefix, id. Drops the journal of a finished workflow; error reply if missing or unfinished. */
export const COMPACT = script(`
local P, id = ARGV[1], ARGV[2]
local state = redis.call('HGET', P .. ':w:' .. id, 'state')
if not state then return redis.error_reply('ERR yieldos: no workflow "' .. id .. '"') end
if state == 'running' then
  return redis.error_reply('ERR yieldos: workflow "' .. id .. '" has not finished; only a finished workflow\\'s journal can be compacted')
end
redis.call('DEL', P .. ':j:' .. id)
return 1
`);

/** ARGV: prefix, id, owner, ttlMs. Returns the new fencing token, or nil while another owner's lease is live. */
export const ACQUIRE = script(`
local P, id, owner = ARGV[1], ARGV[2], ARGV[3]
local l = P .. ':l:' .. id
local cur = redis.call('GET', l)
if cur then
  local sep = string.find(cur, ':', 1, true)
  if string.sub(cur, sep + 1) ~= owner then return false end
end
local token = redis.call('INCR', P .. ':t:' .. id)
redis.call('SET', l, token .. ':' .. owner, 'PX', ARGV[4])
return token
`);

/**
 * ARGV: prefix, id, owner, token, ttlMs. Extends the lease if it still carries `token`, or takes it
 * again if it expired and nobody acquired it since (the counter is still `token`). Returns 1 or 0.
 */
export const RENEW = script(`
local P, id, owner, token = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local l = P .. ':l:' .. id
local cur = redis.call('GET', l)
if cur then
  if cur ~= token .. ':' .. owner then return 0 end
  redis.call('PEXPIRE', l, ARGV[5])
  return 1
end
if redis.call('GET', P .. ':t:' .. id) ~= token then return 0 end
redis.call('SET', l, token .. ':' .. owner, 'PX', ARGV[5])
return 1
`);

/** ARGV: prefix, id, owner, token. Deletes the lease if it is still this one. */
export const RELEASE = script(`
local l = ARGV[1] .. ':l:' .. ARGV[2]
if redis.call('GET', l) == ARGV[4] .. ':' .. ARGV[3] then redis.call('DEL', l) end
return 1
`);
