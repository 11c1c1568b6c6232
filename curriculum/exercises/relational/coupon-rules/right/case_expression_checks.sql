alter table coupons alter column is_active set default true;
alter table coupons add constraint coupons_required
    check (code is not null and valid_from is not null and is_active is not null);
alter table coupons add constraint coupons_discount check (
    case when percent_off is null then amount_off_cents is not null and amount_off_cents > 0
         else amount_off_cents is null and percent_off between 1 and 100 end);
alter table coupons add constraint coupons_percent_ok check (percent_off between 1 and 100);
alter table coupons add constraint coupons_amount_ok check (amount_off_cents > 0);
alter table coupons add constraint coupons_until_after_from check (coalesce(valid_until > valid_from, true));
create unique index coupons_code_any_case on coupons (lower(code));
create unique index coupons_active_customer on coupons (customer_id) where is_active = true;
