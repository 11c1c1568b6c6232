-- Tallyhome's to-do app: a user adds a task (a write on the primary), and the next page,
-- served from the read replica, lists the user's tasks.
CREATE TABLE tasks (
    id         bigint PRIMARY KEY,
    user_id    int NOT NULL,
    title      text NOT NULL,
    done       boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL
);
INSERT INTO tasks
SELECT g, 1 + g % 50, 'task ' || g, g % 3 = 0, timestamptz '2024-03-01 08:00+00' + g * interval '11 minutes'
FROM generate_series(1, 500) g;
