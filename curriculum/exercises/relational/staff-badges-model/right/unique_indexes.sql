-- Uniqueness through unique indexes instead of constraints; e-mail unique regardless of case.
create table departments (department_id integer primary key, name text not null);
create unique index departments_name_uq on departments (name);
create table employees (
  employee_id integer primary key,
  full_name text not null,
  email text not null,
  department_id integer not null references departments,
  manager_id integer references employees on delete set null
    check (manager_id != employee_id)
);
create unique index employees_email_uq on employees (lower(email));
create table badges (
  badge_no text primary key,
  employee_id integer not null references employees on delete cascade,
  issued_on date not null
);
create unique index badges_employee_uq on badges (employee_id);
