-- A clinic's booking database. Each doctor sees at most daily_capacity patients a day;
-- every booking is one row in appointments. The foreign key gives appointments an index on
-- doctor_id (InnoDB creates one for every foreign key), and nothing else.
CREATE TABLE doctors (
    id              INT UNSIGNED NOT NULL PRIMARY KEY,
    name            VARCHAR(60)  NOT NULL,
    daily_capacity  TINYINT UNSIGNED NOT NULL
) ENGINE = InnoDB;

CREATE TABLE appointments (
    id         INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    doctor_id  INT UNSIGNED NOT NULL,
    day        DATE         NOT NULL,
    patient    VARCHAR(60)  NOT NULL,
    booked_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT appointments_doctor FOREIGN KEY (doctor_id) REFERENCES doctors (id)
) ENGINE = InnoDB;

INSERT INTO doctors (id, name, daily_capacity)
SELECT seq, CONCAT('Dr. ', ELT(seq, 'Abe', 'Baptiste', 'Costa', 'Dahl', 'Eze', 'Fischer', 'Garcia', 'Haas',
                              'Ito', 'Jensen', 'Kowalski', 'Lind')), 2 + seq % 4
FROM seq_1_to_12;

-- Two weeks, 2025-03-03 to 2025-03-16, each day partly booked (never over capacity).
INSERT INTO appointments (doctor_id, day, patient, booked_at)
SELECT d.id, DATE '2025-03-03' + INTERVAL n.seq DAY, CONCAT('patient-', d.id, '-', n.seq, '-', k.seq),
       TIMESTAMP '2025-02-20 09:00:00' + INTERVAL (d.id * 100 + n.seq * 7 + k.seq) MINUTE
FROM doctors d
JOIN seq_0_to_13 n
JOIN seq_1_to_5 k ON k.seq <= (d.id * 7 + n.seq * 3) % d.daily_capacity
ORDER BY d.id, n.seq, k.seq;
