-- The demo's sample source database: a small shop with a few types worth migrating exactly.
DROP DATABASE IF EXISTS shop;
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE shop;

CREATE TABLE customers (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  email VARCHAR(190) NOT NULL,
  country CHAR(2) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_email (email)
);

CREATE TABLE orders (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT UNSIGNED NOT NULL,
  status ENUM('new','paid','shipped','void') NOT NULL DEFAULT 'new',
  amount DECIMAL(12,2) NOT NULL,
  note TEXT NULL,
  placed_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_customer (customer_id)
);

CREATE TABLE order_items (
  order_id BIGINT UNSIGNED NOT NULL,
  line SMALLINT UNSIGNED NOT NULL,
  sku VARCHAR(32) NOT NULL,
  quantity INT NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  PRIMARY KEY (order_id, line)
);

INSERT INTO customers (name, email, country, created_at) VALUES
  ('Ada Lovelace', 'ada@example.com', 'GB', '2024-01-02 03:04:05.123456'),
  ('Zoë Ångström', 'zoe@example.com', 'SE', '2024-02-03 04:05:06.000001'),
  ('李雷', 'lilei@example.com', 'CN', '2024-03-04 05:06:07.5'),
  ('Emoji 🚀 Fan', 'rocket@example.com', 'US', '2024-04-05 06:07:08');

INSERT INTO orders (customer_id, status, amount, note, placed_at) VALUES
  (1, 'paid', 120.50, 'first order', '2024-05-01 10:00:00.250'),
  (1, 'shipped', 99.99, NULL, '2024-05-02 11:00:00.000'),
  (2, 'new', 5.00, 'tiny', '2024-05-03 12:00:00.999'),
  (3, 'void', 0.00, 'cancelled', '2024-05-04 13:00:00.000'),
  (4, 'paid', 1234567890.12, 'big one 🚀', '2024-05-05 14:00:00.001');

INSERT INTO order_items VALUES
  (1, 1, 'SKU-1', 2, 50.25), (1, 2, 'SKU-2', 1, 20.00),
  (2, 1, 'SKU-3', 1, 99.99), (3, 1, 'SKU-1', 1, 5.00),
  (5, 1, 'SKU-9', 10, 12345678.01);

-- The task's accounts: least privilege, as the product documents them.
CREATE OR REPLACE USER 'dts_reader'@'%' IDENTIFIED BY 'reader-pass';
GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'dts_reader'@'%';
-- The heartbeat (spec.heartbeat) writes dts_health_check.ha_health_check every second.
GRANT CREATE, INSERT, UPDATE ON dts_health_check.* TO 'dts_reader'@'%';
