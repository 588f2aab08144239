-- The demo's destination: an account that may create and write the shop database, and nothing else.
DROP DATABASE IF EXISTS shop;
CREATE OR REPLACE USER 'dts_writer'@'%' IDENTIFIED BY 'writer-pass';
GRANT ALL PRIVILEGES ON `shop`.* TO 'dts_writer'@'%';
