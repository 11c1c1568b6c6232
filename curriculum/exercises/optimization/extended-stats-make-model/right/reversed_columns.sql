CREATE STATISTICS public.listings_model_make (dependencies, ndistinct) ON model, make FROM public.listings;
ANALYZE listings (make, model);
