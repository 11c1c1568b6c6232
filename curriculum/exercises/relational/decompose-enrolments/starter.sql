CREATE TABLE students (
    email     text PRIMARY KEY,
    full_name text NOT NULL
);
-- CREATE TABLE courses (...);
-- CREATE TABLE enrolments (...);

-- INSERT INTO students (email, full_name) SELECT ... FROM enrolments_flat;
