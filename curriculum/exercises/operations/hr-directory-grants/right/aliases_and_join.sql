-- Directory built with aliases; the view is owned by us, so no grant on employees is needed.
CREATE VIEW public.staff_directory AS
SELECT emp.id AS id,
       emp.full_name AS full_name,
       emp.department AS department,
       lower(emp.email) AS email
FROM public.employees emp;

GRANT SELECT ON public.staff_directory TO hr_analyst;
GRANT SELECT, INSERT (employee_id, work_date, hours) ON public.timesheets TO timesheet_app;
GRANT USAGE ON SEQUENCE public.timesheets_id_seq TO timesheet_app;
