#!/usr/bin/env bash
# npm run demo: start the local stack, create the sample shop database on the source, and run the
# example task through the state machine: precheck, schema, full load and incremental migration
# while a writer changes the source, then verify and pause.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
mariadb_root() { mariadb --host=127.0.0.1 --port="$1" --user=root --password=dts-root --default-character-set=utf8mb4 --batch; }

step "Starting the local stack (MariaDB source and destination, Kafka, DynamoDB Local)"
bash scripts/stack/stack.sh up

# The demo's task starts new: one left by an earlier demo is paused (its tailer flushes its
# checkpoint and stops) and deleted (`dts run` would otherwise go on with it, not load it again).
node bin/dts.js pause shop-to-mysql >/dev/null 2>&1 || true
node bin/dts.js delete shop-to-mysql --yes >/dev/null 2>&1 || true

step "Creating the sample database 'shop' on the source (127.0.0.1:33061)"
mariadb_root 33061 < scripts/sample/shop-source.sql
mariadb_root 33062 < scripts/sample/shop-destination.sql
mariadb_root 33061 <<'SQL'
SELECT table_name AS `table`, table_rows AS `rows` FROM information_schema.tables WHERE table_schema = 'shop';
SQL

step "The task spec: examples/shop-to-mysql.json"
cat examples/shop-to-mysql.json

step "dts precheck examples/shop-to-mysql.json"
node bin/dts.js precheck examples/shop-to-mysql.json

step "dts run examples/shop-to-mysql.json (the state machine CDK synthesizes, run locally)"
node bin/dts.js run examples/shop-to-mysql.json

step "Incremental migration: an application keeps writing to the source for 5 seconds"
end=$((SECONDS + 5))
n=0
while [ $SECONDS -lt $end ]; do
  n=$((n + 1))
  mariadb_root 33061 <<SQL
START TRANSACTION;
INSERT INTO shop.orders (customer_id, status, amount, note) VALUES (1 + $n % 4, 'new', $n.50, 'order $n');
UPDATE shop.orders SET status = 'paid' WHERE id = LAST_INSERT_ID() - 1;
UPDATE shop.customers SET name = CONCAT('Ada #', $n) WHERE id = 1;
COMMIT;
SQL
  if [ $n -eq 10 ]; then mariadb_root 33061 <<<"ALTER TABLE shop.customers ADD COLUMN tier VARCHAR(10) NOT NULL DEFAULT 'basic';"; fi
done
echo "$n transactions written (and a column added on the way)"

step "dts status shop-to-mysql (phase, position, latency)"
node bin/dts.js status shop-to-mysql

step "dts run examples/shop-to-mysql.json --until caught-up"
node bin/dts.js run examples/shop-to-mysql.json --until caught-up

step "dts verify examples/shop-to-mysql.json (chunk checksums on both sides, filter applied)"
node bin/dts.js verify examples/shop-to-mysql.json

step "dts pause shop-to-mysql (the tailer flushes its checkpoint and stops; dts resume goes on)"
node bin/dts.js pause shop-to-mysql

printf '\nThe stack keeps running; stop it with: npm run stack:down\n'
