-- EVAL leaderboard.lua 1 lb:<iso-week> <player> <k>  ->  {rank or -1, top 10 ids, ids from k above to k below}
return {-1, {}, {}}
