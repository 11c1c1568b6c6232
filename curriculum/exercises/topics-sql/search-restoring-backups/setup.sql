-- Brightdesk's help centre: articles in English.
CREATE TABLE articles (
    id    integer PRIMARY KEY,
    title text NOT NULL,
    body  text NOT NULL
);

INSERT INTO articles VALUES
    (1,  'Restoring a backup',
         'Pick the backup you need and restore it to a new server. Never restore over production.'),
    (2,  'How backups work',
         'Nightly backups are kept for 30 days. To get data back, see the article on restoring.'),
    (3,  'Backup schedules',
         'Change when the nightly backup runs. Schedules use the account''s time zone.'),
    (4,  'Restore points',
         'A restore point marks a moment you can return to; it is not a copy of your data.'),
    (5,  'Restored data looks old',
         'After a restore, caches may show stale values for a few minutes. Your backups are fine.'),
    (6,  'Exporting reports',
         'Reports can be exported as CSV. Large exports are e-mailed when ready.'),
    (7,  'Backing up before an upgrade',
         'We restore service quickly, but please back up your settings first.'),
    (8,  'Unrestorable archives',
         'Archives older than 7 years are deleted and unrestorable. Keep your own backup copies.'),
    (9,  'Two-factor authentication',
         'Protect your account with an authenticator app. Backup codes let you restore access.'),
    (10, 'BACKUPS AND RESTORES: FAQ',
         'Short answers to the questions support hears most.');
