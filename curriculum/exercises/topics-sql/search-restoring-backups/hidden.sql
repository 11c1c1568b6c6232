-- Runs after setup.sql, in the hidden database only: other articles, words split across title
-- and body, other word forms, near misses for substring matching.
TRUNCATE articles;

INSERT INTO articles VALUES
    (21, 'Backup',                  'How to restores work? Read on.'),
    (22, 'Point-in-time recovery',  'Restoring to a timestamp needs the backups and the WAL archive.'),
    (23, 'Storage quotas',          'Backup storage counts against your quota. Old snapshots can be restored.'),
    (24, 'Restore permissions',     'Only admins may start a restore.'),
    (25, 'Backups: retention',      'Retention is 30 days; nothing else to restore after that.'),
    (26, 'Restorative yoga',        'The office wellness programme. Bring a backup mat.'),
    (27, 'Keyboard shortcuts',      'Press Ctrl+Z to undo; there is no backup or restore of drafts.'),
    (28, 'Prerestore checks',       'Before we touch your backups we verify free space.'),
    (29, 'Billing',                 'Invoices are sent monthly.'),
    (30, 'Restoring',               'See also: backing up.');
