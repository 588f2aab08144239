#!/usr/bin/env bash
# Run a Kafka command line tool with the stack's Kafka classpath (no Kafka
# distribution needed; the jars come from the local Maven repository).
#
#   scripts/stack/kafka-tool.sh <tool|main class> [tool arguments...]
#
# Tools: topics, console-producer, console-consumer, consumer-groups, configs,
# storage; anything else is taken as a fully qualified main class.
#
# Examples:
#   scripts/stack/kafka-tool.sh topics --bootstrap-server 127.0.0.1:39092 --create --topic t1
#   scripts/stack/kafka-tool.sh topics --bootstrap-server 127.0.0.1:39093 \
#       --command-config .stack/kafka-sasl-client.properties --list
#   scripts/stack/kafka-tool.sh console-consumer --bootstrap-server 127.0.0.1:39092 \
#       --topic t1 --from-beginning --max-messages 1
set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
STACK_LOG_PREFIX=kafka-tool

if (($# < 1)); then
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
fi

tool="$1"
shift
case "$tool" in
topics) main=org.apache.kafka.tools.TopicCommand ;;
console-producer) main=kafka.tools.ConsoleProducer ;;
console-consumer) main=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
consumer-groups) main=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
configs) main=kafka.admin.ConfigCommand ;;
storage) main=kafka.tools.StorageTool ;;
*.*) main="$tool" ;;
*) die "unknown tool '$tool' (topics, console-producer, console-consumer, consumer-groups, configs, storage or a main class)" ;;
esac

ensure_java_cmds
resolve_kafka_classpath
exec java -Xmx256m -Djava.awt.headless=true \
  "${KAFKA_TOOLS_LOG_OPTS[@]}" \
  -cp "$(cat "$KAFKA_CLASSPATH_FILE")" "$main" "$@"
