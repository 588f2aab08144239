#!/usr/bin/env bash
# npm run demo: start the local stack, create the sample shop database on the source, and run the
# example task through the state machine: precheck, schema and full load, then verify.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
mariadb_root() { mariadb --host=127.0.0.1 --port="$1" --user=root --password=dts-root --default-character-set=utf8mb4 --batch; }

step "Starting the local stack (MariaDB source and destination, Kafka, DynamoDB Local)"
bash scripts/stack/stack.sh up

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

step "dts status shop-to-mysql"
node bin/dts.js status shop-to-mysql

step "dts verify examples/shop-to-mysql.json (chunk checksums on both sides, filter applied)"
node bin/dts.js verify examples/shop-to-mysql.json

printf '\nThe stack keeps running; stop it with: npm run stack:down\n'
