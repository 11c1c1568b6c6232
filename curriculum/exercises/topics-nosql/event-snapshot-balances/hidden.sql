-- Another bank branch: a wallet with three snapshots, one closed after its snapshot, one
-- whose archiver lag overlaps two snapshots, one with only an Opened event.
TRUNCATE wallet_events, wallet_snapshots;
INSERT INTO wallet_snapshots VALUES
    ('w-1', 2, 20.00,  false, '2026-01-01 00:00+00'),
    ('w-1', 5, 95.00,  false, '2026-02-01 00:00+00'),
    ('w-1', 9, 140.00, false, '2026-03-01 00:00+00'),
    ('w-2', 3, 500.00, false, '2026-03-01 00:00+00'),
    ('w-3', 2, 10.00,  false, '2026-02-01 00:00+00'),
    ('w-3', 4, 30.00,  false, '2026-03-01 00:00+00');
INSERT INTO wallet_events VALUES
    ('w-1', 10, 'Withdrawn', 40.00,  '2026-03-02 10:00+00'),
    ('w-2', 4,  'Withdrawn', 500.00, '2026-03-02 11:00+00'),
    ('w-2', 5,  'Closed',    NULL,   '2026-03-02 11:01+00'),
    ('w-3', 1,  'Opened',    NULL,   '2026-01-05 10:00+00'),
    ('w-3', 2,  'Deposited', 10.00,  '2026-01-05 10:01+00'),
    ('w-3', 3,  'Deposited', 25.00,  '2026-02-10 10:00+00'),
    ('w-3', 4,  'Withdrawn', 5.00,   '2026-02-15 10:00+00'),
    ('w-3', 5,  'Deposited', 12.00,  '2026-03-05 10:00+00'),
    ('w-4', 1,  'Opened',    NULL,   '2026-03-06 10:00+00');
