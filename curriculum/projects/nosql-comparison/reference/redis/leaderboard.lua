-- O6 the board page. KEYS[1] = lb:<iso-week>; ARGV = player, k.
-- Returns {rank (1 = best, -1 when the player has no score), top 10 players, the players from
-- k places above to k places below the player (fewer at the board's edges)}.
local k = tonumber(ARGV[2])
local top = redis.call('ZREVRANGE', KEYS[1], 0, 9)
local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])
if not rank then
  return {-1, top, {}}
end
local first = rank - k
if first < 0 then
  first = 0
end
return {rank + 1, top, redis.call('ZREVRANGE', KEYS[1], first, rank + k)}
