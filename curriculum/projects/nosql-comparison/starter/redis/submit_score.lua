-- EVAL submit_score.lua 1 lb:<iso-week> <player> <score> <now_ms>: keep the best score, ties to whoever reached it first
return 0
