-- Every flat row offers its student and course; duplicates are skipped by the key.
create table students (email text primary key, full_name text not null);
create table courses (code text primary key, title text not null, teacher text not null);
create table enrolments (
  email text not null references students,
  code text not null references courses,
  grade int,
  primary key (email, code)
);
insert into students (email, full_name)
select student_email, student_name from enrolments_flat
on conflict (email) do nothing;
insert into courses (code, title, teacher)
select course_code, course_title, teacher from enrolments_flat
on conflict do nothing;
insert into enrolments (email, code, grade)
select student_email, course_code, grade from enrolments_flat;
