create index appt_doc_day on appointments (doctor_id, day);
analyze table appointments;

begin;
select count(*) into @n from appointments where doctor_id = @doctor and day = @day for update;
select daily_capacity into @cap from doctors where id = @doctor;
insert into appointments (doctor_id, day, patient)
select @doctor, @day, @patient from dual where not (@n >= @cap);
commit;
