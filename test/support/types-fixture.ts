/**
 * A source schema with every type the full load must carry exactly, edge values and NULLs,
 * a composite-key table spanning many chunks, an empty and a single-row table.
 */
export function typesFixture(db: string): string[] {
  return [
    `DROP DATABASE IF EXISTS ${db}`,
    `CREATE DATABASE ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    `CREATE TABLE ${db}.all_types (
      id INT NOT NULL PRIMARY KEY,
      t TINYINT, tu TINYINT UNSIGNED, s SMALLINT, su SMALLINT UNSIGNED,
      m MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED,
      b BIGINT, bu BIGINT UNSIGNED,
      d DECIMAL(65,30), f FLOAT, g DOUBLE,
      dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL, tm TIME(6), y YEAR,
      c CHAR(10), v VARCHAR(100), tx TEXT, l1 VARCHAR(20) CHARACTER SET latin1,
      bin BINARY(4), vb VARBINARY(16), bl BLOB,
      b1 BIT(1), b64 BIT(64),
      e ENUM('a','b','c d','it''s, with a comma'), st SET('x','y','z'),
      j JSON, geo GEOMETRY
    )`,
    // Zero dates are allowed on this source (no NO_ZERO_DATE in the session's sql_mode).
    "SET SESSION sql_mode = ''",
    "SET SESSION time_zone = '+09:00'",
    `INSERT INTO ${db}.all_types VALUES
      (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
       -9223372036854775808, 18446744073709551615,
       '-12345678901234567890123456789012345.123456789012345678901234567891', 16777216, 1.0000000000000002,
       '2024-02-29', '2024-01-02 03:04:05.123456', '2024-06-30 23:59:59.999999', '-838:59:59.000000', 2155,
       'fixed', 'emoji 🚀 and 𝄞 clef', 'multi\nline\ttext with \\\\ backslash and '' quote', 'café crème',
       0x00FF00FF, 0x00, 0xFF00FF00000000FF, b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
       'c d', 'x,z', '{"k": [1, 2.5, "s"], "n": null}', ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0))')),
      (2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0,
       9223372036854775807, 0,
       '0.000000000000000000000000000001', 3.14159274, 5e-324,
       '0000-00-00', '0000-00-00 00:00:00.000000', '1970-01-01 09:00:01.000000', '838:59:59.999999', 1901,
       '', '', '', '',
       0x00000000, '', '', b'0', b'0',
       'a', '', '[]', ST_GeomFromText('POINT(1.5 -2.25)')),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL),
      (4, 0, 1, 0, 1, 0, 1, 0, 1, 0, 9223372036854775808,
       '99999999999999999999999999999999999.999999999999999999999999999999', -0.1, -1.7976931348623157e308,
       '9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 12:14:07.000001', '-00:00:00.000001', 0,
       'x', 'ＦＵＬＬＷＩＤＴＨ', REPEAT('long ', 5000), 'ÿ',
       0x7F, 0xFFFFFFFF, REPEAT(0x00FF, 1000), b'1', b'1000000000000000000000000000000000000000000000000000000000000001',
       'it''s, with a comma', 'x,y,z', '{"deep": {"a": {"b": {"c": "🚀"}}}}', ST_GeomFromText('LINESTRING(0 0,1 1,2 2)'))`,
    "SET SESSION time_zone = '+00:00'",
    `CREATE TABLE ${db}.pairs (a INT NOT NULL, b VARCHAR(10) NOT NULL, v DECIMAL(10,2), note VARCHAR(20), PRIMARY KEY (a, b))`,
    `INSERT INTO ${db}.pairs SELECT seq DIV 5, CONCAT('k', seq MOD 5), seq / 100, CONCAT('n', seq) FROM ${db}.seq_1_to_2500`,
    `CREATE TABLE ${db}.orders (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, status VARCHAR(10) NOT NULL, amount DECIMAL(12,2), KEY idx_status_amount (status, amount))`,
    `INSERT INTO ${db}.orders SELECT seq, ELT(1 + seq MOD 3, 'new', 'paid', 'void'), seq * 1.25 FROM ${db}.seq_1_to_300`,
    `CREATE TABLE ${db}.empty_one (id INT PRIMARY KEY, x INT)`,
    `CREATE TABLE ${db}.single (code VARCHAR(5) NOT NULL, n INT, UNIQUE KEY uk_code (code))`,
    `INSERT INTO ${db}.single VALUES ('only', 1)`,
  ];
}
