-- A backup catalogue, as in the lesson: which backup is based on which, and how it ended.
-- status: ok; failed (the run did not finish); corrupt (it finished, but the weekly
-- verify found a damaged file in it).
CREATE TABLE backup_runs (
    id          int PRIMARY KEY,
    db          text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('full', 'diff', 'incr')),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    status      text NOT NULL CHECK (status IN ('ok', 'failed', 'corrupt')),
    base_id     int REFERENCES backup_runs (id),
    CHECK ((kind = 'full') = (base_id IS NULL))
);

INSERT INTO backup_runs VALUES
 -- shop: incrementals; #3 is corrupt, so #4 and #5 (built on it) cannot be restored either
 (1,  'shop',      'full', '2024-03-03 01:00+00', '2024-03-03 02:10+00', 'ok',      NULL),
 (2,  'shop',      'incr', '2024-03-04 01:00+00', '2024-03-04 01:12+00', 'ok',      1),
 (3,  'shop',      'incr', '2024-03-05 01:00+00', '2024-03-05 01:11+00', 'corrupt', 2),
 (4,  'shop',      'incr', '2024-03-06 01:00+00', '2024-03-06 01:09+00', 'ok',      3),
 (5,  'shop',      'incr', '2024-03-07 01:00+00', '2024-03-07 01:20+00', 'ok',      4),
 -- billing: differentials; each depends on the full only, so #13 being corrupt costs one day
 (11, 'billing',   'full', '2024-03-03 02:00+00', '2024-03-03 02:40+00', 'ok',      NULL),
 (12, 'billing',   'diff', '2024-03-04 02:00+00', '2024-03-04 02:05+00', 'ok',      11),
 (13, 'billing',   'diff', '2024-03-05 02:00+00', '2024-03-05 02:06+00', 'corrupt', 11),
 (14, 'billing',   'diff', '2024-03-06 02:00+00', '2024-03-06 02:08+00', 'failed',  11),
 (15, 'billing',   'diff', '2024-03-07 02:00+00', '2024-03-07 02:09+00', 'ok',      11),
 -- crm: a new full on Wednesday turned out corrupt; Thursday's incremental is built on it
 (21, 'crm',       'full', '2024-03-03 03:00+00', '2024-03-03 03:30+00', 'ok',      NULL),
 (22, 'crm',       'incr', '2024-03-04 03:00+00', '2024-03-04 03:04+00', 'ok',      21),
 (23, 'crm',       'diff', '2024-03-05 03:00+00', '2024-03-05 03:05+00', 'ok',      21),
 (24, 'crm',       'full', '2024-03-06 03:00+00', '2024-03-06 03:31+00', 'corrupt', NULL),
 (25, 'crm',       'incr', '2024-03-07 03:00+00', '2024-03-07 03:03+00', 'ok',      24),
 -- analytics: Friday's differential started before noon but finished after it
 (31, 'analytics', 'full', '2024-03-03 04:00+00', '2024-03-03 05:00+00', 'ok',      NULL),
 (32, 'analytics', 'incr', '2024-03-05 04:00+00', '2024-03-05 04:10+00', 'ok',      31),
 (33, 'analytics', 'diff', '2024-03-08 11:40+00', '2024-03-08 12:25+00', 'ok',      31),
 -- pricing: a differential with an incremental on top of it (pgBackRest allows this)
 (41, 'pricing',   'full', '2024-03-03 05:00+00', '2024-03-03 05:20+00', 'ok',      NULL),
 (42, 'pricing',   'incr', '2024-03-04 05:00+00', '2024-03-04 05:02+00', 'corrupt', 41),
 (43, 'pricing',   'diff', '2024-03-05 05:00+00', '2024-03-05 05:06+00', 'ok',      41),
 (44, 'pricing',   'incr', '2024-03-06 05:00+00', '2024-03-06 05:02+00', 'ok',      43),
 (45, 'pricing',   'incr', '2024-03-08 12:05+00', '2024-03-08 12:07+00', 'ok',      44);
