CREATE TABLE inventory (
    sku     VARCHAR(20) PRIMARY KEY,
    barcode VARCHAR(13) UNIQUE,
    stock   INT NOT NULL
) ENGINE=InnoDB;
CREATE TABLE stock_arrivals (
    arrival_id INT AUTO_INCREMENT PRIMARY KEY,
    sku        VARCHAR(20) NOT NULL,
    qty        INT NOT NULL
) ENGINE=InnoDB;

INSERT INTO inventory VALUES
 ('HP-100', '4006381333931', 10),
 ('SP-200', '5012345678900', 8),
 ('CB-300', NULL,            0),
 ('KB-400', '4711234567890', 3);

INSERT INTO stock_arrivals (sku, qty) VALUES
 ('HP-100', 5), ('HP-100', 7),      -- two cartons of one SKU
 ('CB-300', 100),
 ('MS-500', 12),                    -- a new product
 ('MS-500', 3);
