-- Tallybank's wallets are event-sourced. Events older than a wallet's snapshot are moved to
-- cold storage by a nightly archiver, which sometimes lags behind.
CREATE TABLE wallet_events (
    wallet_id   text NOT NULL,
    version     integer NOT NULL CHECK (version > 0),
    event_type  text NOT NULL CHECK (event_type IN ('Opened', 'Deposited', 'Withdrawn', 'Frozen', 'Closed')),
    amount      numeric(12,2) CHECK (amount > 0),
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (wallet_id, version)
);

CREATE TABLE wallet_snapshots (
    wallet_id text NOT NULL,
    version   integer NOT NULL,           -- the last event included in this snapshot
    balance   numeric(12,2) NOT NULL,
    closed    boolean NOT NULL,
    taken_at  timestamptz NOT NULL,
    PRIMARY KEY (wallet_id, version)
);

-- w-ada: snapshots at versions 3 and 6; events up to 6 archived.
INSERT INTO wallet_snapshots VALUES
    ('w-ada', 3, 150.00, false, '2026-02-01 00:00+00'),
    ('w-ada', 6, 410.00, false, '2026-03-01 00:00+00');
INSERT INTO wallet_events VALUES
    ('w-ada', 7, 'Deposited', 90.00,  '2026-03-02 10:00+00'),
    ('w-ada', 8, 'Withdrawn', 35.50,  '2026-03-05 16:20+00');

-- w-bo: snapshot at version 4, but the archiver has not run yet: versions 1..6 are all here.
INSERT INTO wallet_snapshots VALUES ('w-bo', 4, 75.00, false, '2026-03-01 00:00+00');
INSERT INTO wallet_events VALUES
    ('w-bo', 1, 'Opened',    NULL,   '2026-01-10 09:00+00'),
    ('w-bo', 2, 'Deposited', 100.00, '2026-01-10 09:01+00'),
    ('w-bo', 3, 'Withdrawn', 40.00,  '2026-02-11 12:00+00'),
    ('w-bo', 4, 'Deposited', 15.00,  '2026-02-20 08:00+00'),
    ('w-bo', 5, 'Withdrawn', 20.00,  '2026-03-03 19:45+00'),
    ('w-bo', 6, 'Deposited', 5.25,   '2026-03-04 07:10+00');

-- w-cy: new wallet, no snapshot yet.
INSERT INTO wallet_events VALUES
    ('w-cy', 1, 'Opened',    NULL,  '2026-03-03 12:00+00'),
    ('w-cy', 2, 'Deposited', 60.00, '2026-03-03 12:05+00'),
    ('w-cy', 3, 'Frozen',    NULL,  '2026-03-04 09:00+00');

-- w-dee: closed at its snapshot; nothing since.
INSERT INTO wallet_snapshots VALUES ('w-dee', 5, 0.00, true, '2026-03-01 00:00+00');
