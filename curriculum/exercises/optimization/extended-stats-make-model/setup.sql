-- A used-car marketplace: 100,000 listings of 10 makes with 10 models each. Every model
-- belongs to exactly one make, so (make, model) has 100 combinations, not 10 × 100.
CREATE TABLE listings (
    id        integer PRIMARY KEY,
    make      text NOT NULL,
    model     text NOT NULL,
    year      integer NOT NULL,
    price_eur integer NOT NULL
);
INSERT INTO listings
SELECT g, m.make, m.models[1 + (g / 10) % 10], 2008 + g % 16, 2000 + (g * 7919) % 40000
FROM generate_series(1, 100000) AS g
JOIN (VALUES
    (0, 'Toyota',     ARRAY['Corolla','Yaris','Camry','RAV4','Prius','Auris','Aygo','C-HR','Hilux','Land Cruiser']),
    (1, 'Volkswagen', ARRAY['Golf','Polo','Passat','Tiguan','Touran','Up','Arteon','T-Roc','Sharan','Caddy']),
    (2, 'Ford',       ARRAY['Fiesta','Focus','Mondeo','Kuga','Puma','Ka','Galaxy','S-Max','Ranger','Transit']),
    (3, 'Renault',    ARRAY['Clio','Megane','Captur','Kadjar','Scenic','Twingo','Zoe','Laguna','Espace','Kangoo']),
    (4, 'Peugeot',    ARRAY['208','308','2008','3008','5008','508','108','Partner','Rifter','Expert']),
    (5, 'Fiat',       ARRAY['Panda','500','Punto','Tipo','Doblo','Bravo','Qubo','Ducato','Multipla','Sedici']),
    (6, 'BMW',        ARRAY['116i','318d','320d','520d','X1','X3','X5','i3','Z4','M3']),
    (7, 'Skoda',      ARRAY['Octavia','Fabia','Superb','Kodiaq','Karoq','Kamiq','Scala','Yeti','Rapid','Citigo']),
    (8, 'Opel',       ARRAY['Astra','Corsa','Insignia','Mokka','Zafira','Meriva','Adam','Crossland','Grandland','Vivaro']),
    (9, 'Kia',        ARRAY['Ceed','Picanto','Rio','Sportage','Sorento','Niro','Stonic','Soul','Optima','Carens'])
) AS m(k, make, models) ON m.k = g % 10;
