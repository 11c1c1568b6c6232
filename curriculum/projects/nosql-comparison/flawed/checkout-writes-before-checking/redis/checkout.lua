-- O4 checkout: take each line's stock, give up as soon as one line is short.
local cart = redis.call('HGETALL', KEYS[1])
if #cart == 0 then
  return 0
end
for i = 1, #cart, 2 do
  local left = redis.call('DECRBY', 'stock:' .. cart[i], cart[i + 1])
  if left < 0 then
    redis.call('INCRBY', 'stock:' .. cart[i], cart[i + 1])
    return 0
  end
end
redis.call('DEL', KEYS[1])
return 1
