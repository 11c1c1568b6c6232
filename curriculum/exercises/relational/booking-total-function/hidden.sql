-- Other bookings: large ids, a free ticket, several bookings without lines, big quantities.
TRUNCATE booking_lines, bookings;
INSERT INTO ticket_types VALUES ('COMP', 0, 10);
INSERT INTO bookings VALUES
  (100, 'Q1', 'eve@example.com'),
  (205, 'Q2', 'fay@example.com'),
  (206, 'Q3', 'gil@example.com'),
  (5000000000, 'Q4', 'hal@example.com'),
  (7, 'Q5', 'ivy@example.com');
INSERT INTO booking_lines VALUES
  (100, 'COMP', 2, 0),
  (205, 'FRONT', 1, 9500), (205, 'BALCONY', 120, 2500), (205, 'COMP', 1, 0),
  (5000000000, 'STALLS', 7, 4500);
