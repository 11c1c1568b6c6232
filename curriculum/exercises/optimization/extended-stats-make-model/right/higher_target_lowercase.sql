create statistics listings_dep (dependencies) on make, model from listings;
alter statistics listings_dep set statistics 500;
analyze listings;
