// O1: browse a category with filters
db.items.createIndex({ category: 1, price_cents: 1 });
// O7: revenue per day
db.orders.createIndex({ day: 1 });
