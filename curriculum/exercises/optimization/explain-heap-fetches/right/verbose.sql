VACUUM (VERBOSE, ANALYZE) public.orders;
