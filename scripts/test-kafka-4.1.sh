#!/usr/bin/env bash
# The Kafka tests again, against Kafka 4.1.0: the broker that dropped the protocol versions older
# clients use, while kafkajs 2.2.4 predates it. npm test runs this after the main pass, which
# stopped the stack it started; the tests then start a stack of their own with Kafka 4.1.
set -euo pipefail
cd "$(dirname "$0")/.."
if bash scripts/stack/stack.sh status >/dev/null 2>&1; then
  running="$(bash scripts/stack/stack.sh status | grep -o '^kafka [0-9.]*' || true)"
  echo "The Kafka 4.1 pass is skipped: a stack started outside the tests is up (${running:-kafka});"
  echo "after npm run stack:down, npm test runs it."
  exit 0
fi
DTS_KAFKA_VERSION=4.1 exec npx vitest run --project integration \
  test/integration/kafka.test.ts test/integration/kafka-recovery.test.ts \
  test/integration/kafka-exactly-once.test.ts \
  test/integration/precheck-kafka.test.ts test/integration/etl.test.ts
