CREATE TABLE ticket_types (
  code        text PRIMARY KEY,
  price_cents integer NOT NULL CHECK (price_cents >= 0),
  remaining   integer NOT NULL CHECK (remaining >= 0)
);
CREATE TABLE bookings (
  id         bigint PRIMARY KEY,
  ref        text NOT NULL UNIQUE,
  email      text NOT NULL
);
CREATE TABLE booking_lines (
  booking_id  bigint NOT NULL REFERENCES bookings(id),
  code        text NOT NULL REFERENCES ticket_types(code),
  qty         integer NOT NULL CHECK (qty > 0),
  price_cents integer NOT NULL,
  PRIMARY KEY (booking_id, code)
);
INSERT INTO ticket_types VALUES ('FRONT', 9000, 5), ('STALLS', 4500, 200), ('BALCONY', 3000, 120);
INSERT INTO bookings VALUES
  (1, 'A1B2C3', 'ada@example.com'),
  (2, 'D4E5F6', 'bob@example.com'),
  (3, 'G7H8I9', 'cy@example.com'),      -- no lines yet
  (4, 'J1K2L3', 'dee@example.com');
INSERT INTO booking_lines VALUES
  (1, 'FRONT',   2, 9000), (1, 'STALLS', 4, 4500),
  (2, 'BALCONY', 1, 3000),
  (4, 'STALLS',  3, 4000);              -- booked before a price change
