-- Lock (FOR NO KEY UPDATE conflicts with itself) and count the on-call rows into a variable.
select count(*) as on_call_now from (
    select engineer from support_rota where on_call order by engineer for no key update
) locked \gset
update support_rota set on_call = false
where engineer = :'engineer' and on_call and :on_call_now >= 2;
