create view staff_directory as
  select id, full_name, department, email from employees;
grant select on table staff_directory to hr_analyst;
grant insert, select on table timesheets to timesheet_app;
grant usage on all sequences in schema public to timesheet_app;
