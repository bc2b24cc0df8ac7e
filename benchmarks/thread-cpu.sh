#!/usr/bin/env bash
# CPU seconds of a running JVM's threads, by thread name, as the process ends: where a short run's CPU goes
# (stream thread, producer, JIT compiler threads, GC). Reads /proc/PID/task/*/stat every 0.3 s and keeps each
# thread's last value (threads that end early are kept). Numbered names (GC Thread#0, #1...) are summed.
#
#   benchmarks/thread-cpu.sh '[d]ev.orderbook.launcher.OrderbookCli process' /tmp/threads.txt &
#   ORDERBOOK_STALE_AFTER=1h ../shared/pipeline-peers/run.sh --updates 2000000 --peers project
#
# The pattern is matched against full command lines (pgrep -f); write its first letter in brackets so that it does
# not match this script's own command line. Waits for the process to appear, writes OUT when it exits.
set -euo pipefail
pattern="$1"; out="$2"
pid=""
while [ -z "$pid" ]; do pid=$(pgrep -f "$pattern" | head -1 || true); [ -n "$pid" ] || sleep 0.1; done
last=$(mktemp)
while kill -0 "$pid" 2>/dev/null; do
    for t in /proc/"$pid"/task/*; do
        name=$(cat "$t/comm" 2>/dev/null) || continue
        stat=$(cut -d')' -f2 "$t/stat" 2>/dev/null) || continue
        # fields after the name: state is 1st, utime 12th, stime 13th
        set -- $stat
        echo "${t##*/}|$name|$(( ${12} + ${13} ))"
    done > "$last.new" 2>/dev/null || true
    cat "$last" "$last.new" | awk -F'|' '{v[$1 "|" $2] = $3} END {for (k in v) print k "|" v[k]}' > "$last.m"
    mv "$last.m" "$last"
    sleep 0.3
done
hz=$(getconf CLK_TCK)
awk -F'|' -v hz="$hz" '{n = $2; gsub(/[0-9]+$/, "#", n); s[n] += $3; total += $3}
    END {for (k in s) printf "%7.2f s  %s\n", s[k] / hz, k; printf "%7.2f s  TOTAL\n", total / hz}' "$last" |
    sort -rn > "$out"
rm -f "$last" "$last.new"
