-- O4 checkout. KEYS[1] = cart:<player> (a hash SKU -> quantity).
-- Returns 1 when every line is filled: each stock:<sku> goes down by its quantity and the cart is
-- deleted. Returns 0 when any line cannot be filled, having changed nothing: a script cannot roll
-- back, so it checks every line before its first write.
local cart = redis.call('HGETALL', KEYS[1])
if #cart == 0 then
  return 0
end
for i = 1, #cart, 2 do
  local stock = tonumber(redis.call('GET', 'stock:' .. cart[i]) or '0')
  local qty = tonumber(cart[i + 1])
  if qty == nil or qty <= 0 or stock < qty then
    return 0
  end
end
for i = 1, #cart, 2 do
  redis.call('DECRBY', 'stock:' .. cart[i], cart[i + 1])
end
redis.call('DEL', KEYS[1])
return 1
