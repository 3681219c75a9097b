/**
 * The Lua scripts behind the Redis rate-bucket store. Each runs atomically on the Redis server, so
 * reservations from any number of connections and gateway processes are checked and inserted without a
 * race. They implement the rules of rate-bucket-windows.ts (same window order, same thresholds).
 *
 * Keys of one bucket (key id + family), all in one hash slot through the `{...}` tag:
 *   <prefix>{<bucket>}:log  sorted set: member = reservation id, score = ts (ms)
 *   <prefix>{<bucket>}:tok  hash: <id> -> tokens (reserved, then settled); "s:<id>" -> 1 once settled
 *   <prefix>{<bucket>}:agg  hash: cut_m/sum_m, cut_h/sum_h, cut_w/sum_w (per token window: the sum of
 *                           the tokens of charges with ts > cut; cuts only move forward), last (ts of
 *                           the last reservation)
 * All three get a TTL of a week and a day on every reservation, so idle buckets vanish on their own.
 */

/** Shared by both scripts: number formatting that never turns a large integer into "1e+15". */
const PRELUDE = `
local function int(n) return string.format('%d', n) end
`;

/**
 * KEYS: log, tok, agg.
 * ARGV: now ('' = read Redis TIME), id ('' = only report the state), tokens, the four limits ('' =
 *       unlimited; WINDOWS order), ttl ms, max charges to scan when finding an age-out point.
 * Returns {ok (1/0), now, refused window index (0-based, -1 if none), retryAfterMs, then used and resetMs
 * for each of the four windows (0 for unlimited ones)}.
 */
export const RESERVE_SCRIPT = `${PRELUDE}
if redis.replicate_commands then pcall(redis.replicate_commands) end
local LOG, TOK, AGG = KEYS[1], KEYS[2], KEYS[3]
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(ARGV[1])
end
local id = ARGV[2]
local tokens = tonumber(ARGV[3]) or 0
local limits = {tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])}
local ttl = tonumber(ARGV[8])
local cap = tonumber(ARGV[9])
local SPAN = {60000, 60000, 18000000, 604800000}
local FIELD = {'m', 'm', 'h', 'w'}
local RETRY_NEVER = -1

local function tokensOf(member) return tonumber(redis.call('HGET', TOK, member)) or 0 end

-- Move each token window's cut to now - span, subtracting the charges that aged out.
local existed = redis.call('EXISTS', AGG) == 1
local cut, sum = {}, {}
for _, f in ipairs({'m', 'h', 'w'}) do
  local span = (f == 'm' and SPAN[2]) or (f == 'h' and SPAN[3]) or SPAN[4]
  local target = now - span
  local c = tonumber(redis.call('HGET', AGG, 'cut_' .. f))
  local s = tonumber(redis.call('HGET', AGG, 'sum_' .. f))
  if c == nil or s == nil then
    c = target
    s = 0
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', LOG, '(' .. int(target), '+inf')) do s = s + tokensOf(m) end
  elseif target > c then
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', LOG, '(' .. int(c), int(target))) do s = s - tokensOf(m) end
    c = target
  end
  cut[f], sum[f] = c, s
end
-- Charges at or before the week's cut are outside every window: drop them.
for _, m in ipairs(redis.call('ZRANGEBYSCORE', LOG, '-inf', int(cut.w))) do redis.call('HDEL', TOK, m, 's:' .. m) end
redis.call('ZREMRANGEBYSCORE', LOG, '-inf', int(cut.w))

local used = {0, sum.m, sum.h, sum.w}
if limits[1] then used[1] = redis.call('ZCOUNT', LOG, '(' .. int(cut.m), '+inf') end

-- Milliseconds until the first charge (oldest first) at which the running weight exceeds threshold ages out.
local function ageOut(i, threshold)
  local from = '(' .. int(cut[FIELD[i]])
  if i == 1 then
    local hit = redis.call('ZRANGEBYSCORE', LOG, from, '+inf', 'WITHSCORES', 'LIMIT', int(threshold), 1)
    if hit[2] then return tonumber(hit[2]) + SPAN[i] - now end
    return nil
  end
  local aged, seen, offset, lastTs = 0, 0, 0, nil
  while seen < cap do
    local batch = math.min(128, cap - seen)
    local page = redis.call('ZRANGEBYSCORE', LOG, from, '+inf', 'WITHSCORES', 'LIMIT', int(offset), int(batch))
    if #page == 0 then return nil end
    for j = 1, #page, 2 do
      local ts = tonumber(page[j + 1])
      aged = aged + tokensOf(page[j])
      seen = seen + 1
      lastTs = ts
      if aged > threshold then return ts + SPAN[i] - now end
    end
    offset = offset + #page / 2
    if #page / 2 < batch then return nil end
  end
  return lastTs + SPAN[i] - now
end

local function untilEmpty(i)
  local hit = redis.call('ZREVRANGEBYSCORE', LOG, '+inf', '(' .. int(cut[FIELD[i]]), 'WITHSCORES', 'LIMIT', 0, 1)
  if hit[2] then return tonumber(hit[2]) + SPAN[i] - now end
  return 0
end

-- The check: the most binding refusal (never-fits first, else the latest retry; ties to the earlier window).
local refused, retry = -1, 0
if id ~= '' then
  for i = 1, 4 do
    local lim = limits[i]
    if lim then
      local add = tokens
      if i == 1 then add = 1 end
      if used[i] + add > lim then
        local r = RETRY_NEVER
        -- The request alone fits: once the window empties at the latest (a scan may miss the age-out point).
        if add <= lim then r = ageOut(i, used[i] + add - lim - 1) or untilEmpty(i) end
        if refused == -1 or (retry ~= RETRY_NEVER and (r == RETRY_NEVER or r > retry)) then
          refused, retry = i - 1, r
        end
      end
    end
  end
end

local ok = id ~= '' and refused == -1
if ok then
  redis.call('ZADD', LOG, int(now), id)
  redis.call('HSET', TOK, id, int(tokens))
  used[1] = used[1] + 1
  for _, f in ipairs({'m', 'h', 'w'}) do sum[f] = sum[f] + tokens end
  used[2], used[3], used[4] = sum.m, sum.h, sum.w
end
if ok or existed then
  redis.call('HSET', AGG, 'cut_m', int(cut.m), 'sum_m', int(sum.m), 'cut_h', int(cut.h), 'sum_h', int(sum.h),
    'cut_w', int(cut.w), 'sum_w', int(sum.w))
end
if ok then
  redis.call('HSET', AGG, 'last', int(now))
  redis.call('PEXPIRE', LOG, ttl)
  redis.call('PEXPIRE', TOK, ttl)
  redis.call('PEXPIRE', AGG, ttl)
end

local out = {ok and 1 or 0, now, refused, retry}
for i = 1, 4 do
  local lim = limits[i]
  local reset = 0
  if lim and used[i] > 0 then
    local threshold = used[i] - lim
    if threshold < 0 then threshold = 0 end
    reset = ageOut(i, threshold) or untilEmpty(i)
  end
  out[#out + 1] = used[i]
  out[#out + 1] = reset
end
return out
`;

/**
 * KEYS: log, tok, agg. ARGV: id, tokens.
 * Replaces a reservation's tokens once; a second settle, or an unknown or expired id, changes nothing.
 * Adjusts each token window's sum by the difference when the charge is still inside that window.
 * Returns 1 when it settled, 0 otherwise.
 */
export const SETTLE_SCRIPT = `${PRELUDE}
local LOG, TOK, AGG = KEYS[1], KEYS[2], KEYS[3]
local id = ARGV[1]
local tokens = tonumber(ARGV[2])
if redis.call('HEXISTS', TOK, 's:' .. id) == 1 then return 0 end
local old = tonumber(redis.call('HGET', TOK, id))
local ts = tonumber(redis.call('ZSCORE', LOG, id))
if old == nil or ts == nil then return 0 end
local delta = tokens - old
if delta ~= 0 then
  for _, f in ipairs({'m', 'h', 'w'}) do
    local c = tonumber(redis.call('HGET', AGG, 'cut_' .. f))
    if c ~= nil and ts > c then redis.call('HINCRBY', AGG, 'sum_' .. f, int(delta)) end
  end
end
redis.call('HSET', TOK, id, int(tokens), 's:' .. id, 1)
return 1
`;

/**
 * KEYS: log, tok, agg. ARGV: id.
 * Takes back a reservation whose caller never heard it was made (the answer came too late): removes the
 * charge from the log and from each token window's sum it is still inside. An unknown or settled id
 * changes nothing. Returns 1 when it withdrew, 0 otherwise.
 */
export const WITHDRAW_SCRIPT = `${PRELUDE}
local LOG, TOK, AGG = KEYS[1], KEYS[2], KEYS[3]
local id = ARGV[1]
if redis.call('HEXISTS', TOK, 's:' .. id) == 1 then return 0 end
local old = tonumber(redis.call('HGET', TOK, id))
local ts = tonumber(redis.call('ZSCORE', LOG, id))
if old == nil or ts == nil then return 0 end
for _, f in ipairs({'m', 'h', 'w'}) do
  local c = tonumber(redis.call('HGET', AGG, 'cut_' .. f))
  if c ~= nil and ts > c then redis.call('HINCRBY', AGG, 'sum_' .. f, int(-old)) end
end
redis.call('ZREM', LOG, id)
redis.call('HDEL', TOK, id)
return 1
`;
