-- O5 submit a score: keep the best one (ZADD GT only ever raises it).
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
return 1
