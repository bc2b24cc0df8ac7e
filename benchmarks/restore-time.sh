#!/usr/bin/env bash
# How long a processor killed with kill -9 takes to come back: a deep book (LEVELS_PER_SIDE levels per side), its
# backlog on a real broker, the processor killed mid-stream once it has checkpointed, then restarted on the same
# state directory. Prints the restart's own account of the restore (checkpoint + raw records applied again) and the
# time from the restarted JVM's start to its first new summary (forwarded; read_committed consumers see it within the
# commit interval, 100 ms, later).
#
#   benchmarks/restore-time.sh                       # one product, 25,000 levels per side (50,000 levels)
#   LEVELS_PER_SIDE=5000 RUNS=3 benchmarks/restore-time.sh
#
# The restarted instance uses static membership (group.instance.id, as a StatefulSet pod does with its name), so it
# takes its partitions back without waiting for the killed member's session to expire.
set -euo pipefail
cd "$(dirname "$0")/.."
LEVELS_PER_SIDE=${LEVELS_PER_SIDE:-25000}
CHANGES=${CHANGES:-2000000}
RUNS=${RUNS:-2}
WORK=${WORK:-target/restore-time}
rm -rf "$WORK" && mkdir -p "$WORK"
./orderbook --help >/dev/null   # builds the launcher if needed
export ORDERBOOK_SKIP_BUILD=1

./orderbook broker > "$WORK/broker.out" 2> "$WORK/broker.err" &
BROKER=$!
trap 'kill -9 $BROKER ${PROC:-} 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q "ready at" "$WORK/broker.out" 2>/dev/null && break; sleep 0.5; done
BOOTSTRAP=$(sed -n 's/.*ready at \([^;]*\);.*/\1/p' "$WORK/broker.out")
echo "broker: $BOOTSTRAP"

./orderbook generate --output "$WORK/feed.ndjson" --products BTC-USD --levels "$LEVELS_PER_SIDE" \
    --changes "$CHANGES" 2>&1 | tail -1
./orderbook publish --input "$WORK/feed.ndjson" --products BTC-USD --bootstrap "$BOOTSTRAP" 2>&1 | tail -1
printf 'main.consumer.group.instance.id=restore-bench-0\nconsumer.session.timeout.ms=30000\n' \
    > "$WORK/client.properties"

metric() {  # value of a processor metric, 0 when absent
    curl -s "http://127.0.0.1:$PORT/metrics" 2>/dev/null | awk -v m="$1" '$1 == m {print int($2); f=1} END {if (!f) print 0}'
}

PORT=18182
for run in $(seq 1 "$RUNS"); do
    STATE="$WORK/state-$run"
    APP="restore-bench-$run"
    ./orderbook process --bootstrap "$BOOTSTRAP" --products BTC-USD --application-id "$APP" --state-dir "$STATE" \
        --http-host 127.0.0.1 --http-port $PORT --stale-after 1h --kafka-config "$WORK/client.properties" \
        > "$WORK/process-$run-a.out" 2> "$WORK/process-$run-a.err" &
    PROC=$!
    # Kill it once it has written two checkpoints and is still working through the backlog.
    until [ "$(metric orderbook_checkpoints_total)" -ge 2 ]; do sleep 0.1; done
    kill -9 $PROC; wait $PROC 2>/dev/null || true
    START=$(date +%s%N)
    ./orderbook process --bootstrap "$BOOTSTRAP" --products BTC-USD --application-id "$APP" --state-dir "$STATE" \
        --http-host 127.0.0.1 --http-port $PORT --stale-after 1h --kafka-config "$WORK/client.properties" \
        > "$WORK/process-$run-b.out" 2> "$WORK/process-$run-b.err" &
    PROC=$!
    until [ "$(metric orderbook_summaries_total)" -ge 1 ]; do sleep 0.01; done
    FIRST=$(( ($(date +%s%N) - START) / 1000000 ))
    kill -9 $PROC; wait $PROC 2>/dev/null || true
    RESTORED=$(grep -o 'Restored books from the checkpoint.*' "$WORK/process-$run-b.err" | head -1)
    echo "run $run: first new summary ${FIRST} ms after the restarted JVM started; ${RESTORED}"
done
