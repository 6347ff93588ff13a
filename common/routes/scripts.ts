// Lua scripts that change the route table. A script runs atomically in Redis, so the hash write,
// the version bump and the publish of each change can never be seen apart or out of order.
// Every change gets its own version (one message per version), so consumers detect any gap.
// A route whose stored body is unchanged is not rewritten: republishing the same table is free.
// A write made under an app's fenced lock (common/coordination) carries the lock's token and is
// refused unless that token still holds the lock: a holder that lost it (paused past its lease,
// someone else took over) can never switch the route back.

const HELPERS = `
local prefix = ARGV[1]
if ARGV[2] ~= '' and redis.call('GET', KEYS[4]) ~= ARGV[2] then
  return redis.error_reply('DF_STALE_FENCE the lock this write was made under is no longer held')
end
local function appOf(json)
  local ok, o = pcall(cjson.decode, json)
  if ok and type(o) == 'table' and type(o.app) == 'string' then return o.app end
  return nil
end
local function put(host, body, app)
  local old = redis.call('HGET', KEYS[1], host)
  if old then
    if string.match(old, '^{"version":%d+,(.*)$') == string.sub(body, 2) then return end
    local oldApp = appOf(old)
    if oldApp and oldApp ~= app then redis.call('SREM', prefix .. oldApp, host) end
  end
  local v = redis.call('INCR', KEYS[2])
  local route = '{"version":' .. v .. ',' .. string.sub(body, 2)
  redis.call('HSET', KEYS[1], host, route)
  redis.call('SADD', prefix .. app, host)
  redis.call('PUBLISH', KEYS[3], '{"version":' .. v .. ',"host":"' .. host .. '","route":' .. route .. '}')
end
local function del(host)
  local old = redis.call('HGET', KEYS[1], host)
  if not old then return end
  local oldApp = appOf(old)
  if oldApp then redis.call('SREM', prefix .. oldApp, host) end
  redis.call('HDEL', KEYS[1], host)
  local v = redis.call('INCR', KEYS[2])
  redis.call('PUBLISH', KEYS[3], '{"version":' .. v .. ',"host":"' .. host .. '","route":null}')
end
`;

/** KEYS: hash, version, channel, fence lock. ARGV: app-set prefix, fence token ('' unfenced), host, body ('' deletes), app. */
export const SET_ROUTE = `${HELPERS}
if ARGV[4] == '' then del(ARGV[3]) else put(ARGV[3], ARGV[4], ARGV[5]) end
return tonumber(redis.call('GET', KEYS[2]) or '0')
`;

/** KEYS: hash, version, channel, fence lock. ARGV: app-set prefix, fence token ('' unfenced), app, body ('' removes every host), hosts... */
export const SET_APP_ROUTES = `${HELPERS}
local app = ARGV[3]
local keep = {}
for i = 5, #ARGV do keep[ARGV[i]] = true end
for _, host in ipairs(redis.call('SMEMBERS', prefix .. app)) do
  if ARGV[4] == '' or not keep[host] then del(host) end
end
if ARGV[4] ~= '' then
  for i = 5, #ARGV do put(ARGV[i], ARGV[4], app) end
end
return tonumber(redis.call('GET', KEYS[2]) or '0')
`;
