-- At SERIALIZABLE, InnoDB turns the plain SELECTs of a transaction into shared locking reads.
CREATE INDEX appointments_doctor_day ON appointments (doctor_id, day);

SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE;
START TRANSACTION;
SELECT daily_capacity INTO @capacity FROM doctors WHERE id = @doctor;
SELECT COUNT(*) INTO @booked FROM appointments WHERE doctor_id = @doctor AND day = @day;
INSERT INTO appointments (doctor_id, day, patient)
SELECT @doctor, @day, @patient FROM DUAL WHERE @booked < @capacity;
COMMIT;
