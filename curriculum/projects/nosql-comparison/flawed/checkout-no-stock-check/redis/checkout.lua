-- O4 checkout: move the cart into an order and take the stock.
local cart = redis.call('HGETALL', KEYS[1])
if #cart == 0 then
  return 0
end
for i = 1, #cart, 2 do
  redis.call('DECRBY', 'stock:' .. cart[i], cart[i + 1])
end
redis.call('DEL', KEYS[1])
return 1
