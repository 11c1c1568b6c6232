-- Another school: a teacher with three courses, two students with the same name, a student
-- in every course, grades of 0 and NULL.
TRUNCATE enrolments_flat;
INSERT INTO enrolments_flat VALUES
 ('maria@example.pt',  'Maria Silva', 'FR100', 'French A1',  'Claire Dubois', 0),
 ('msilva@example.pt', 'Maria Silva', 'FR100', 'French A1',  'Claire Dubois', 11),
 ('maria@example.pt',  'Maria Silva', 'FR200', 'French A2',  'Claire Dubois', NULL),
 ('ole@example.no',    'Ole Hansen',  'FR100', 'French A1',  'Claire Dubois', 20),
 ('ole@example.no',    'Ole Hansen',  'FR200', 'French A2',  'Claire Dubois', 9),
 ('ole@example.no',    'Ole Hansen',  'FR300', 'French B1',  'Claire Dubois', NULL),
 ('ole@example.no',    'Ole Hansen',  'IT100', 'Italian A1', 'Paolo Rossi',   15);
