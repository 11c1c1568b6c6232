CREATE TABLE support_rota (
    engineer text PRIMARY KEY,
    on_call  boolean NOT NULL
);
INSERT INTO support_rota VALUES
 ('ana', true), ('bruno', true), ('chen', false), ('dave', false);
