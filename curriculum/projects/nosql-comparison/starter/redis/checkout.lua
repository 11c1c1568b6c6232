-- EVAL checkout.lua 1 cart:<player>  ->  1 (every line filled, cart deleted) or 0 (nothing changed)
return 0
