#!/usr/bin/env bash
# Profiles our sink (or the demo gateway) under one workload, on 127.0.0.1 only: where the server's CPU goes
# (user vs kernel, per thread), how many system calls and context switches it makes per message, and the hottest
# frames.
#
#   benchmarks/profile.sh [W1|W2|W3|proxy] [17p|17e|25v|demo]      default: W1 17p
#
# 17p: the sink on JDK 17, processors on the loop; 17e: the same with processors on its executor (as run.sh's
# smtpd-17e); 25v: JDK 25 with virtual threads; demo: the demo gateway on JDK 17 as run.sh's demo-17 (needs
# demo-app/target/smtpd-demo-app.jar).
# proxy profiles proxy mode under W1: the profiled server relays to a second sink (not profiled) on the next port.
#
# Uses perf (Debian package linux-perf) with the JVM's perf map when it is available, and JFR
# (jdk.ExecutionSample, jdk.NativeMethodSample) in any case. Needs smtp-source (run.sh installs it) and a
# built benchmarks/target/smtpd-benchmarks.jar.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR="$HERE/target/smtpd-benchmarks.jar"
WORKLOAD="${1:-W1}"
MODE="${2:-17p}"
OUT="$HERE/target/profile"
mkdir -p "$OUT"
JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
case "$MODE" in
  17p) EXTRA=() ;;
  17e) EXTRA=(--processors-on-executor) ;;
  25v) JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; EXTRA=(--virtual) ;;
  demo) EXTRA=() ;;
  *) echo "mode is 17p, 17e, 25v or demo" >&2; exit 2 ;;
esac
case "$WORKLOAD" in
  W1) ARGS=(-s 20 -m 20000 -l 4096 -d); MESSAGES=20000 ;;
  W2) ARGS=(-s 20 -m 20000 -l 4096); MESSAGES=20000 ;;
  W3) ARGS=(-s 4 -m 1000 -l 1048576 -d); MESSAGES=1000 ;;
  proxy) ARGS=(-s 20 -m 20000 -l 4096 -d); MESSAGES=20000 ;;
  *) echo "workload is W1, W2, W3 or proxy" >&2; exit 2 ;;
esac
PORT=24999
UPSTREAM_PID=""
if [ "$WORKLOAD" = proxy ]; then
  UPSTREAM_PORT=$((PORT + 1))
  "$JAVA" -jar "$JAR" "127.0.0.1:$UPSTREAM_PORT" > "$OUT/upstream.log" 2>&1 &
  UPSTREAM_PID=$!
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$UPSTREAM_PORT") 2>/dev/null && break; sleep 0.1; done
  EXTRA+=(--proxy "127.0.0.1:$UPSTREAM_PORT")
fi
if [ "$MODE" = demo ]; then
  # The demo gateway as run.sh's demo-17 runs it: spool and per-message log line off.
  [ "$WORKLOAD" = proxy ] && { echo "proxy is profiled on the sink only" >&2; exit 2; }
  SERVER=(-jar "$HERE/../demo-app/target/smtpd-demo-app.jar" --smtpd.localaddr="127.0.0.1:$PORT" --smtpd.backlog=1024
    --server.port=0 --demo.spool-dir= --logging.level.io.github.smtpd=WARN)
else
  SERVER=(-jar "$JAR" "127.0.0.1:$PORT" "${EXTRA[@]}")
fi
JFR="$OUT/$WORKLOAD-$MODE.jfr"
rm -f "$JFR"
"$JAVA" -XX:+PreserveFramePointer -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit \
  -XX:StartFlightRecording=filename="$JFR",settings=profile,dumponexit=true \
  "${SERVER[@]}" > "$OUT/sink.log" 2>&1 &
PID=$!
trap 'kill $PID $UPSTREAM_PID 2>/dev/null || true; wait $PID $UPSTREAM_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

threads() {
  for t in /proc/"$PID"/task/*; do
    local s
    read -r -a s < <(sed 's/.*) //' "$t/stat")
    echo "$(sed 's/[-#0-9 ]*$//' "$t/comm") ${s[11]} ${s[12]}"
  done | awk '{u[$1] += $2; k[$1] += $3} END {for (n in u) print n, u[n], k[n]}' | sort
}
ctx() { cat /proc/"$PID"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s}'; }

echo "warming up" >&2
timeout 300 smtp-source "${ARGS[@]}" "127.0.0.1:$PORT"
timeout 300 smtp-source "${ARGS[@]}" "127.0.0.1:$PORT"
threads > "$OUT/threads.before"
C0=$(ctx)
PERF=0
if command -v perf > /dev/null; then
  perf stat -e 'syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_poll,syscalls:sys_enter_ioctl,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_ctl' \
    -p "$PID" -o "$OUT/perf-stat.txt" 2>/dev/null &
  STAT=$!
  perf record -e cpu-clock -F 999 -g -p "$PID" -o "$OUT/perf.data" > /dev/null 2>&1 &
  REC=$!
  PERF=1
  sleep 0.3
fi
START=$(date +%s.%N)
timeout 300 smtp-source "${ARGS[@]}" "127.0.0.1:$PORT"
END=$(date +%s.%N)
if [ "$PERF" = 1 ]; then kill -INT "$STAT" "$REC"; wait "$STAT" "$REC" 2>/dev/null || true; fi
C1=$(ctx)
threads > "$OUT/threads.after"

set +e  # the report below is best effort (head closing a pipe early is fine)
echo "== $WORKLOAD on $MODE: $(awk -v a="$START" -v b="$END" -v m="$MESSAGES" 'BEGIN {printf "%.0f msgs/s", m / (b - a)}')"
echo "== CPU per message by thread group (user / system, microseconds; clock ticks of $(getconf CLK_TCK) Hz)"
join "$OUT/threads.before" "$OUT/threads.after" | awk -v m="$MESSAGES" -v t="$(getconf CLK_TCK)" \
  '($4 - $2) + ($5 - $3) > 0 {printf "  %-16s user %7.1f  sys %7.1f\n", $1, ($4 - $2) * 1e6 / t / m, ($5 - $3) * 1e6 / t / m}'
echo "== context switches per message: $(awk -v a="$C0" -v b="$C1" -v m="$MESSAGES" 'BEGIN {printf "%.2f", (b - a) / m}')"
if [ "$PERF" = 1 ]; then
  echo "== system calls per message"
  grep -E 'syscalls:' "$OUT/perf-stat.txt" | tr -d ',' | awk -v m="$MESSAGES" '{printf "  %-32s %6.2f\n", $2, $1 / m}'
  kill "$PID"; wait "$PID" 2>/dev/null || true   # writes the perf map and the JFR recording
  echo "== perf: share by code (kernel, JIT-compiled Java, JVM, libc)"
  perf report -i "$OUT/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -6
  echo "== perf: hottest symbols"
  perf report -i "$OUT/perf.data" --no-children --sort sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -25
else
  kill "$PID"; wait "$PID" 2>/dev/null || true
fi
echo "== JFR: top Java frames (jdk.ExecutionSample; threads blocked in socket reads are not sampled)"
"$(dirname "$JAVA")/jfr" print --events jdk.ExecutionSample "$JFR" \
  | awk '/stackTrace = \[/ {getline; sub(/^ +/, ""); sub(/ +line:.*/, ""); c[$0]++; n++} END {for (f in c) printf "%6d %5.1f%%  %s\n", c[f], c[f] * 100 / n, f}' \
  | sort -rn | head -20
