-- O5 submit a score: the newest score is the player's score; ties to whoever reached it first.
local SLOT = 1048576
local seconds = (math.floor(tonumber(ARGV[3]) / 1000) - 345600) % 604800
redis.call('ZADD', KEYS[1], string.format('%.0f', tonumber(ARGV[2]) * SLOT + (SLOT - 1 - seconds)), ARGV[1])
return 1
