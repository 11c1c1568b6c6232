-- O5 submit a score. KEYS[1] = lb:<iso-week>; ARGV = player, score, now_ms.
-- The sorted-set score packs the best score and when it was reached:
--   score * 2^20 + (2^20 - 1 - seconds since Monday 00:00 UTC)
-- so a higher score ranks first and, for equal scores, whoever reached it earlier does.
-- Exact in a double while score < 2^33. A lower or equal later score changes nothing.
local SLOT = 1048576
local player, score = ARGV[1], tonumber(ARGV[2])
local seconds = (math.floor(tonumber(ARGV[3]) / 1000) - 345600) % 604800
local current = redis.call('ZSCORE', KEYS[1], player)
if current and math.floor(tonumber(current) / SLOT) >= score then
  return 0
end
redis.call('ZADD', KEYS[1], string.format('%.0f', score * SLOT + (SLOT - 1 - seconds)), player)
return 1
