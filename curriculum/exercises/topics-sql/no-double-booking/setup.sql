-- Fjordview Hotel's room bookings. btree_gist is installed (it needs a superuser or a
-- database owner), so an answer can mix = on integers with && on ranges in one constraint.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE bookings (
    id        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id   integer NOT NULL,
    guest     text NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at   timestamptz NOT NULL,
    cancelled boolean NOT NULL DEFAULT false,
    CHECK (starts_at < ends_at)
);

INSERT INTO bookings (room_id, guest, starts_at, ends_at, cancelled) VALUES
    (101, 'Astrid Moe',    '2025-07-01 15:00+02', '2025-07-04 11:00+02', false),
    (101, 'Bjorn Lie',     '2025-07-04 11:00+02', '2025-07-06 11:00+02', false),  -- back to back
    (101, 'Carla Diaz',    '2025-07-02 15:00+02', '2025-07-05 11:00+02', true),   -- cancelled, overlaps both
    (102, 'Dmitri Orlov',  '2025-07-01 15:00+02', '2025-07-03 11:00+02', false),  -- same dates, other room
    (102, 'Eun-ji Park',   '2025-07-10 15:00+02', '2025-07-12 11:00+02', false),
    (103, 'Farah Aziz',    '2025-07-01 15:00+02', '2025-07-08 11:00+02', false);
