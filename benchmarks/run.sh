#!/usr/bin/env bash
# Throughput and memory of smtpd for Java against Postfix's smtp-sink, on 127.0.0.1 only.
#
#   benchmarks/run.sh            full run: 6 interleaved repetitions of W1/W2/W3, memory scenarios (~15 min)
#   benchmarks/run.sh --quick    2 repetitions, one of each memory scenario (~5 min)
#   benchmarks/run.sh --catcher-only     the mail catcher against MailDev (W1, UIs subscribed to live events), then
#                                        100,000 messages captured under a small heap (~12 min; see README.md)
#   benchmarks/run.sh --catcher-memory   only the 100,000-message memory scenario
#            catcher options: --catcher-reps N (default 3)  --catcher-ui node|chromium  --catcher-heaps "256m 128m 64m"
#                             --no-catcher-memory  --no-catcher-quiet (leave out the capture-without-printing row)
#   benchmarks/run.sh --tls-only         STARTTLS (issue 19): W1-TLS and W2-TLS on our sink, the demo gateway and
#                                        SubEthaSMTP 7 (~5 min; see tls.sh)
#   benchmarks/run.sh --tls-only --tls-idle   the same, then 10,000 idle STARTTLS sessions on our sink (~2 min more)
#   benchmarks/run.sh --tls-idle-only    only the 10,000 idle STARTTLS sessions
#            TLS options: --tls-reps N (default 3)  --tls-servers "smtpd-17p-tls demo-17-tls subetha-17-tls"
#   options: --reps N  --mem-reps N  --no-memory  --no-throughput  --proxy-only  --heap-only  --haproxy-only  --no-build  --out DIR
#            --heap-servers "smtpd-17p smtpd-25v demo-17 demo-25v"  (the -Xmx64m comparison; SMALL_HEAP_OPTS="-Xmx64m -Xms64m"
#            replaces its -Xmx64m, e.g. to try a fixed small heap)
#            --workloads "W1 W2 W3"
#            --servers "smtp-sink smtpd-17p smtpd-25v smtpd-17e demo-17 demo-25v demo-17l demo-17s"
#            (subsets, for development)
#
# Load is Postfix's smtp-source; the reference server is Postfix's smtp-sink. The Postfix daemon is never
# started: only those two test programs are used. Our server is the sink in this module (a MessageProcessor
# that discards), run on JDK 17 with platform threads and on JDK 25 with virtual threads; and the demo gateway as a
# user runs it (the starter in a Spring Boot application with Actuator, metrics and observations on): demo-17 on
# JDK 17, demo-25v on JDK 25 with spring.threads.virtual.enabled=true, both with the demo's spool and per-message
# log line off; demo-17l with that log line on; demo-17s as the demo ships (log line on, spool on).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
JDK17="${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}"
JDK25="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAR="$HERE/target/smtpd-benchmarks.jar"
DEMO_JAR="$ROOT/demo-app/target/smtpd-demo-app.jar"
SMTP_SINK=/usr/sbin/smtp-sink
SMTP_SOURCE=/usr/sbin/smtp-source

REPS=6
MEM_REPS=3
PROXY_REPS=6
QUICK=0
DO_BUILD=1
DO_THROUGHPUT=1
DO_MEMORY=1
PROXY_ONLY=0
HEAP_ONLY=0
HAPROXY_ONLY=0
HAPROXY_REPS=3
CATCHER=0
CATCHER_COMPARE=1
CATCHER_MEMORY=1
CATCHER_REPS=3
CATCHER_UI=node
CATCHER_HEAPS="256m 128m 64m"
CATCHER_QUIET=1
TLS=0
TLS_THROUGHPUT=1
TLS_IDLE=0
TLS_REPS=3
TLS_SERVERS="smtpd-17p-tls demo-17-tls subetha-17-tls"
HEAP_SERVERS="smtpd-17p smtpd-25v demo-17 demo-25v"
OUT="$HERE/target/results"
WORKLOADS="W1 W2 W3"
SERVER_LIST="smtp-sink smtpd-17p smtpd-25v smtpd-17e demo-17 demo-25v demo-17l demo-17s"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; REPS=2; MEM_REPS=1; PROXY_REPS=1 ;;
    --reps) REPS="$2"; shift ;;
    --mem-reps) MEM_REPS="$2"; shift ;;
    --no-build) DO_BUILD=0 ;;
    --no-memory) DO_MEMORY=0 ;;
    --no-throughput) DO_THROUGHPUT=0 ;;
    --proxy-only) DO_THROUGHPUT=0; PROXY_ONLY=1 ;;
    --heap-only) HEAP_ONLY=1 ;;
    --haproxy-only) DO_THROUGHPUT=0; DO_MEMORY=0; HAPROXY_ONLY=1 ;;
    --heap-servers) HEAP_SERVERS="$2"; shift ;;
    --catcher-only) CATCHER=1 ;;
    --catcher-memory) CATCHER=1; CATCHER_COMPARE=0 ;;
    --no-catcher-memory) CATCHER_MEMORY=0 ;;
    --no-catcher-quiet) CATCHER_QUIET=0 ;;
    --catcher-reps) CATCHER_REPS="$2"; shift ;;
    --catcher-ui) CATCHER_UI="$2"; shift ;;
    --catcher-heaps) CATCHER_HEAPS="$2"; shift ;;
    --tls-only) TLS=1 ;;
    --tls-idle-only) TLS=1; TLS_THROUGHPUT=0; TLS_IDLE=1 ;;
    --tls-idle) TLS_IDLE=1 ;;
    --tls-reps) TLS_REPS="$2"; shift ;;
    --tls-servers) TLS_SERVERS="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --workloads) WORKLOADS="$2"; shift ;;
    --servers) SERVER_LIST="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- tools -------------------------------------------------------------------------------------------
install_postfix_tools() {
  if [ -x "$SMTP_SINK" ] && [ -x "$SMTP_SOURCE" ]; then
    return
  fi
  log "installing Postfix's smtp-sink and smtp-source (package postfix), without starting Postfix"
  local guard=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    # Tell invoke-rc.d not to start any service while the package installs.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    guard=1
  fi
  apt-get update -q
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix
  if [ "$guard" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
}

install_postfix_tools
for jdk in "$JDK17" "$JDK25"; do
  [ -x "$jdk/bin/java" ] || { echo "missing JDK at $jdk (set JDK17/JDK25)" >&2; exit 1; }
done

# Sessions and the idle scenario need many descriptors.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ "$DO_BUILD" = 1 ]; then
  log "building the sink and the demo gateway (mvn -pl benchmarks,demo-app -am package)"
  # The demo jar is removed first: when its own classes are unchanged, Maven keeps the old repackaged jar,
  # with the old starter inside it.
  rm -f "$DEMO_JAR"
  (cd "$ROOT" && JAVA_HOME="$JDK17" mvn -B -q -pl benchmarks,demo-app -am -DskipTests package)
fi
[ -f "$JAR" ] || { echo "no $JAR; build first" >&2; exit 1; }
[ -f "$DEMO_JAR" ] || { echo "no $DEMO_JAR; build first" >&2; exit 1; }

mkdir -p "$OUT"
RAW="$OUT/raw.csv"
MEM="$OUT/memory.txt"
: > "$RAW"
: > "$MEM"
SPOOL="$(mktemp -d /tmp/smtpd-bench-spool.XXXXXX)"
LOGS="$OUT/logs"
mkdir -p "$LOGS"

CLK_TCK="$(getconf CLK_TCK)"
PORT=24000
SERVER_PID=""

# Helpers the catcher scenarios start (live-event subscribers, a browser): stopped at exit, by pid.
HELPER_PIDS=()
cleanup() {
  local helper
  for helper in "${HELPER_PIDS[@]}"; do
    kill "$helper" 2>/dev/null || true
  done
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$SPOOL"
}
trap cleanup EXIT

# ---- servers -----------------------------------------------------------------------------------------
# start_server NAME [extra JVM options...]; sets SERVER_PID and PORT. NAME is smtp-sink, smtpd-17p, smtpd-25v or smtpd-17e,
# a demo-* gateway, or a STARTTLS server of tls.sh (smtpd-17p-tls, demo-17-tls, subetha-17-tls: TLS_KS must be set).
start_server() {
  local name="$1"; shift
  PORT=$((PORT + 1))
  local logfile="$LOGS/$name-$PORT.log"
  case "$name" in
    smtp-sink)
      # -u: it refuses to run as root; backlog 1024; at most 1024 simultaneous sessions (-m).
      "$SMTP_SINK" -u nobody -m 1024 "127.0.0.1:$PORT" 1024 > "$logfile" 2>&1 &
      SERVER_PID=$!
      ;;
    smtpd-17p)
      "$JDK17/bin/java" ${SMTPD_JAVA_OPTS:-} "$@" -jar "$JAR" "127.0.0.1:$PORT" --backlog 1024 --spool-dir "$SPOOL" > "$logfile" 2>&1 &
      SERVER_PID=$!
      ;;
    smtpd-17e)
      # The sink as an application with blocking processors would run it: each message goes to the executor.
      "$JDK17/bin/java" ${SMTPD_JAVA_OPTS:-} "$@" -jar "$JAR" "127.0.0.1:$PORT" --processors-on-executor \
        --backlog 1024 --spool-dir "$SPOOL" > "$logfile" 2>&1 &
      SERVER_PID=$!
      ;;
    smtpd-25v)
      "$JDK25/bin/java" ${SMTPD_JAVA_OPTS:-} "$@" -jar "$JAR" "127.0.0.1:$PORT" --virtual --backlog 1024 --spool-dir "$SPOOL" \
        > "$logfile" 2>&1 &
      SERVER_PID=$!
      ;;
    demo-17|demo-25v|demo-17l|demo-17s)
      # The demo gateway (its application.yml), on a loopback port, its HTTP port free, the same backlog as the
      # others. demo-17 and demo-25v: spool off and the server's per-message log line off, like the sinks, which
      # log nothing; demo-17l: that line on (INFO, Spring Boot's console pattern, to the log file); demo-17s: as
      # the demo ships, the line on and every message fsynced to a .eml file.
      local jdk="$JDK17" demo=(--demo.spool-dir= --logging.level.io.github.smtpd=WARN)
      [ "$name" = demo-25v ] && jdk="$JDK25" demo+=(--spring.threads.virtual.enabled=true)
      [ "$name" = demo-17l ] && demo=(--demo.spool-dir=)
      [ "$name" = demo-17s ] && demo=(--demo.spool-dir="$SPOOL/demo-$PORT")
      "$jdk/bin/java" ${SMTPD_JAVA_OPTS:-} "$@" -jar "$DEMO_JAR" --smtpd.localaddr="127.0.0.1:$PORT" \
        --smtpd.backlog=1024 --server.port=0 "${demo[@]}" > "$logfile" 2>&1 &
      SERVER_PID=$!
      ;;
    smtpd-17p-tls)
      # STARTTLS (issue 19): our sink with the run's key store, TLS required before MAIL.
      "$JDK17/bin/java" ${SMTPD_JAVA_OPTS:-} "$@" -jar "$JAR" "127.0.0.1:$PORT" --backlog 1024 --spool-dir "$SPOOL" \
        --tls-keystore "$TLS_KS" --tls-password "$TLS_KS_PASS" --tls-required > "$logfile" 2>&1 &
      SERVER_PID=$!
      ;;
    subetha-17-tls)
      # SubEthaSMTP 7 as a discarding sink, the same key store, TLS required before MAIL.
      "$JDK17/bin/java" ${SMTPD_JAVA_OPTS:-} "$@" -cp "$JAR" io.github.smtpd.bench.SubethaSink "127.0.0.1:$PORT" \
        --backlog 1024 --tls-keystore "$TLS_KS" --tls-password "$TLS_KS_PASS" --tls-required > "$logfile" 2>&1 &
      SERVER_PID=$!
      ;;
    demo-17-tls)
      # demo-17 with the same key store as a Spring Boot SSL bundle, TLS required before MAIL.
      "$JDK17/bin/java" ${SMTPD_JAVA_OPTS:-} "$@" -jar "$DEMO_JAR" --smtpd.localaddr="127.0.0.1:$PORT" \
        --smtpd.backlog=1024 --server.port=0 --demo.spool-dir= --logging.level.io.github.smtpd=WARN \
        --spring.ssl.bundle.jks.bench.keystore.location="file:$TLS_KS" \
        --spring.ssl.bundle.jks.bench.keystore.password="$TLS_KS_PASS" \
        --spring.ssl.bundle.jks.bench.keystore.type=PKCS12 --smtpd.ssl.bundle=bench --smtpd.ssl.required=true \
        > "$logfile" 2>&1 &
      SERVER_PID=$!
      ;;
    *) echo "unknown server $name" >&2; exit 1 ;;
  esac
  SERVER_LOG="$logfile"
  wait_for_greeting "$name"
}

# wait_for_greeting [NAME]: returns when the server on $PORT answers with a greeting (bounded: 20 s).
wait_for_greeting() {
  local name="${1:-server}" logfile="${SERVER_LOG:-/dev/null}"
  local i
  for i in $(seq 1 200); do
    if python3 - "$PORT" <<'EOF' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.settimeout(2)
ok = s.recv(512).startswith(b"220")
s.sendall(b"QUIT\r\n"); s.recv(512); s.close()
sys.exit(0 if ok else 1)
EOF
    then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "$name died on start:" >&2; cat "$logfile" >&2; exit 1; }
    sleep 0.1
  done
  echo "$name did not start listening on $PORT" >&2
  exit 1
}

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
  rm -rf "$SPOOL"/demo-*
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# jit_seconds SERVER PID: the JVM's total JIT compilation time so far ("-" for smtp-sink), to show that a
# measured run is in the steady state rather than still compiling.
jit_seconds() {
  case "$1" in
    smtp-sink) echo "-" ;;
    smtpd-25v|demo-25v) { "$JDK25/bin/jstat" -compiler "$2" 2>/dev/null || true; } | awk 'NR == 2 {print $4}' ;;
    *) { "$JDK17/bin/jstat" -compiler "$2" 2>/dev/null || true; } | awk 'NR == 2 {print $4}' ;;
  esac
}
# gc_seconds SERVER PID: the JVM's total stop-the-world GC time so far (jstat's GCT), "-" for smtp-sink.
gc_seconds() {
  local jdk="$JDK17"
  case "$1" in
    smtp-sink) echo "-"; return ;;
    smtpd-25v|demo-25v) jdk="$JDK25" ;;
  esac
  { "$jdk/bin/jstat" -gc "$2" 2>/dev/null || true; } \
    | awk 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "GCT") c = i} NR == 2 && c {print $c}'
}
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# source_run ARGS...: runs smtp-source against the current server, bounded to 300 s; prints seconds.
source_run() {
  local start end
  start=$(date +%s.%N)
  timeout 300 "$SMTP_SOURCE" "$@" "127.0.0.1:$PORT" > /dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f\n", b - a}'
}

workload_args() {
  case "$1" in
    W1) echo "-s 20 -m 20000 -l 4096 -d" ;;
    W2) echo "-s 20 -m 20000 -l 4096" ;;
    W3) echo "-s 4 -m 1000 -l 1048576 -d" ;;
    # Warm-up runs, so that each server is measured in its steady state (the JVM's JIT has compiled the
    # session's hot paths); smtp-sink gets the same warm-up. warm_up runs each three times: the end of a run
    # (its sessions closing) takes branches the run never took, so the JIT recompiles at the start of the next
    # one. After one run of 40,000 messages the next W1 run still spent 0.27 s compiling and ran at 18,900
    # msgs/s; the runs after it, at 26,500-27,900. The demo gateway has more code to compile: after two runs
    # its third still compiled for 0.10-0.37 s (median 0.18 s, 8 trials), its fourth 0.01-0.21 s (median
    # 0.06 s) (see benchmarks/README.md).
    W1-warm) echo "-s 20 -m 20000 -l 4096 -d" ;;
    # W2's paths run once per connection, so they reach the JIT's thresholds later: after 5,000 connections the
    # compiler still spent about 2 s of CPU in the measured run, on the core smtp-source needs. Two runs of 15,000
    # left little to compile (measure() prints the JIT time of each measured run).
    W2-warm) echo "-s 20 -m 15000 -l 4096" ;;
    W3-warm) echo "-s 4 -m 500 -l 1048576 -d" ;;
  esac
}

# warm_up WORKLOAD: the workload's warm-up, three times (see workload_args).
warm_up() {
  local run
  for run in 1 2 3; do
    # shellcheck disable=SC2046
    source_run $(workload_args "$1-warm") > /dev/null
  done
}

workload_messages() { case "$1" in W1|W2) echo 20000 ;; W3) echo 1000 ;; esac; }
workload_size() { case "$1" in W1|W2) echo 4096 ;; W3) echo 1048576 ;; esac; }

# measure SCENARIO SERVER REP WORKLOAD [JVM options...]: a fresh server, a warm-up run, then the measured
# run; appends scenario,server,rep,seconds,messages,bytes,cpu_seconds,hwm_kb,jit_seconds,gc_seconds to the raw
# results (gc_seconds: the server's stop-the-world GC pauses inside the measured run).
measure() {
  local scenario="$1" server="$2" rep="$3" workload="$4"; shift 4
  start_server "$server" "$@"
  warm_up "$workload"
  local before after seconds hwm jit_before jit_after gc_before gc_after
  jit_before=$(jit_seconds "$server" "$SERVER_PID")
  gc_before=$(gc_seconds "$server" "$SERVER_PID")
  before=$(cpu_ticks "$SERVER_PID")
  # shellcheck disable=SC2046
  seconds=$(source_run $(workload_args "$workload"))
  after=$(cpu_ticks "$SERVER_PID")
  jit_after=$(jit_seconds "$server" "$SERVER_PID")
  gc_after=$(gc_seconds "$server" "$SERVER_PID")
  hwm=$(hwm_kb "$SERVER_PID")
  stop_server
  local messages size
  messages=$(workload_messages "$workload")
  size=$(workload_size "$workload")
  local cpu
  cpu=$(awk -v a="$before" -v b="$after" -v t="$CLK_TCK" 'BEGIN {printf "%.2f\n", (b - a) / t}')
  local jit="-"
  if [ "$jit_before" != "-" ] && [ -n "$jit_before" ] && [ -n "$jit_after" ]; then
    jit=$(awk -v a="$jit_before" -v b="$jit_after" 'BEGIN {printf "%.2f", b - a}')
  fi
  local gc="-"
  if [ "$gc_before" != "-" ] && [ -n "$gc_before" ] && [ -n "$gc_after" ]; then
    gc=$(awk -v a="$gc_before" -v b="$gc_after" 'BEGIN {printf "%.3f", b - a}')
  fi
  echo "$scenario,$server,$rep,$seconds,$messages,$((messages * size)),$cpu,$hwm,$jit,$gc" >> "$RAW"
  awk -v sc="$scenario" -v sv="$server" -v r="$rep" -v s="$seconds" -v m="$messages" -v c="$cpu" -v h="$hwm" \
    -v j="$jit" -v g="$gc" \
    'BEGIN {jit = j == "-" ? "" : "  JIT " j " s"; gc = g == "-" ? "" : sprintf("  GC pauses %.0f ms", g * 1000);
      printf "  %-12s %-10s rep %d: %6.2f s  %8.0f msgs/s  %7.1f us CPU/msg  RSS %6.1f MiB%s%s\n", sc, sv, r, s, m / s, c * 1e6 / m, h / 1024, jit, gc}' >&2
}

read -r -a SERVERS <<< "$SERVER_LIST"
START_TIME=$(date +%s)

# ---- the mail catcher against MailDev (--catcher-only, --catcher-memory): its own report, then exit ----------
if [ "$CATCHER" = 1 ]; then
  # shellcheck source=catcher.sh
  source "$HERE/catcher.sh"
fi

# ---- STARTTLS (--tls-only, --tls-idle-only): its own report, then exit -----------------------------------
if [ "$TLS" = 1 ]; then
  # shellcheck source=tls.sh
  source "$HERE/tls.sh"
fi

# ---- throughput: W1, W2, W3, servers interleaved A B C A B C -----------------------------------------
if [ "$DO_THROUGHPUT" = 1 ]; then
  for workload in $WORKLOADS; do
    log "$workload: $(workload_args "$workload"), $REPS repetitions, servers interleaved"
    for rep in $(seq 1 "$REPS"); do
      for server in "${SERVERS[@]}"; do
        measure "$workload" "$server" "$rep" "$workload"
      done
    done
  done
fi

# ---- memory ------------------------------------------------------------------------------------------
if [ "$DO_MEMORY" = 1 ]; then
  [ "$PROXY_ONLY" = 1 ] || log "W1 with ${SMALL_HEAP_OPTS:--Xmx64m} against the default heap, interleaved, $MEM_REPS repetitions: $HEAP_SERVERS"
  [ "$PROXY_ONLY" = 1 ] || for rep in $(seq 1 "$MEM_REPS"); do
    for server in $HEAP_SERVERS; do
      # Odd repetitions run the default heap first, even ones the small heap, so that whatever the second of two
      # back-to-back servers meets (the first one's exit, the load the shared VM is in) falls on both alike.
      # shellcheck disable=SC2086
      if [ $((rep % 2)) = 1 ]; then
        measure W1-default "$server" "$rep" W1
        measure W1-xmx64m "$server" "$rep" W1 ${SMALL_HEAP_OPTS:--Xmx64m}
      else
        measure W1-xmx64m "$server" "$rep" W1 ${SMALL_HEAP_OPTS:--Xmx64m}
        measure W1-default "$server" "$rep" W1
      fi
    done
  done

  idle_sessions() {
    local server="$1" heap="$2" jdk="$3"
    log "10,000 concurrent idle sessions, $server, -Xmx$heap"
    start_server "$server" "-Xmx$heap"
    local driver_log="$LOGS/idle-$server.log"
    "$JDK17/bin/java" -Xmx512m -cp "$JAR" io.github.smtpd.bench.IdleSessions "127.0.0.1:$PORT" --sessions 10000 \
      --hold-seconds 10 --timeout-seconds 240 > "$driver_log" 2>&1 &
    local driver=$!
    local i
    for i in $(seq 1 2400); do
      grep -q '^HOLDING' "$driver_log" && break
      kill -0 "$driver" 2>/dev/null || break
      sleep 0.1
    done
    local heap_used="n/a" threads="n/a" rss="n/a"
    if grep -q '^HOLDING' "$driver_log"; then
      "$jdk/bin/jcmd" "$SERVER_PID" GC.run > /dev/null 2>&1 || true
      heap_used=$("$jdk/bin/jcmd" "$SERVER_PID" GC.heap_info 2>/dev/null \
        | awk '/total/ && /used/ {for (i = 1; i <= NF; i++) if ($i == "used") {print $(i + 1); exit}}' | tr -d ',')
      rss=$(awk '/^VmRSS:/ {print $2 " kB"}' "/proc/$SERVER_PID/status")
      threads=$(awk '/^Threads:/ {print $2}' "/proc/$SERVER_PID/status")
    fi
    local rc=0
    wait "$driver" || rc=$?
    local hwm
    hwm=$(hwm_kb "$SERVER_PID")
    local oom=no
    grep -q OutOfMemoryError "$SERVER_LOG" && oom=yes
    stop_server
    {
      echo "idle-10k $server -Xmx$heap: $(grep '^RESULT' "$driver_log" || echo 'RESULT none')"
      echo "  while holding: heap used after full GC $heap_used, RSS $rss, OS threads $threads; peak RSS ${hwm} kB;" \
        "OutOfMemoryError: $oom; driver exit $rc"
    } | tee -a "$MEM" >&2
  }

  big_messages() {
    local server="$1"
    log "50 concurrent 20 MiB messages, $server, -Xmx128m"
    start_server "$server" -Xmx128m
    local seconds rc=0
    seconds=$(source_run -s 50 -m 50 -l 20971520 -d) || rc=$?
    local hwm
    hwm=$(hwm_kb "$SERVER_PID")
    local oom=no
    grep -q OutOfMemoryError "$SERVER_LOG" && oom=yes
    stop_server
    local received
    received=$(grep -o 'sink: [0-9]* messages' "$SERVER_LOG" || echo "sink: ? messages")
    echo "big-50x20MiB $server -Xmx128m: smtp-source exit $rc in ${seconds:-?} s; $received; peak RSS $hwm kB;" \
      "OutOfMemoryError: $oom" | tee -a "$MEM" >&2
  }

  if [ "$PROXY_ONLY" = 0 ] && [ "$HEAP_ONLY" = 0 ]; then
    idle_sessions smtpd-25v 256m "$JDK25"
    idle_sessions smtpd-17p 256m "$JDK17"
    big_messages smtpd-17p
    big_messages smtpd-25v
  fi

  # Proxy mode against the direct rate: W1 straight to a sink, then through a proxy (JDK 17, platform
  # threads) relaying to that same sink, interleaved. Three processes share the 2 cores here.
  proxy_versus_direct() {
    local rep direct_s proxy_s upstream_pid upstream_port ratios=()
    for rep in $(seq 1 "$PROXY_REPS"); do
      start_server smtpd-17p
      upstream_pid=$SERVER_PID upstream_port=$PORT
      warm_up W1
      direct_s=$(source_run $(workload_args W1))
      PORT=$((PORT + 1))
      "$JDK17/bin/java" -jar "$JAR" "127.0.0.1:$PORT" --backlog 1024 --proxy "127.0.0.1:$upstream_port" \
        > "$LOGS/proxy-$PORT.log" 2>&1 &
      SERVER_PID=$!
      SERVER_LOG="$LOGS/proxy-$PORT.log"
      wait_for_greeting proxy
      warm_up W1
      proxy_s=$(source_run $(workload_args W1))
      stop_server
      kill "$upstream_pid" 2>/dev/null || true
      wait "$upstream_pid" 2>/dev/null || true
      awk -v d="$direct_s" -v p="$proxy_s" -v r="$rep" 'BEGIN {printf "proxy-W1 rep %d: direct %.0f msgs/s, through the proxy %.0f msgs/s, ratio %.2fx\n", r, 20000 / d, 20000 / p, d / p}' \
        | tee -a "$MEM" >&2
      ratios+=("$(awk -v d="$direct_s" -v p="$proxy_s" 'BEGIN {printf "%.3f", d / p}')")
    done
    printf '%s\n' "${ratios[@]}" | sort -n | awk '{r[NR] = $1} END {m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2; printf "proxy-W1 median ratio %.2fx over %d runs (min %.2fx, max %.2fx)\n", m, NR, r[1], r[NR]}' \
      | tee -a "$MEM" >&2
  }
  [ "$HEAP_ONLY" = 1 ] || proxy_versus_direct
fi

# ---- scale-out: two demo gateways behind HAProxy against one direct ------------------------------------
# One demo gateway (demo-17's settings) measured under W1 directly; then two of them with the PROXY protocol on,
# behind HAProxy (TCP mode, send-proxy-v2, readiness checks, roundrobin: the configuration the README's deployment
# guide shows), measured under the same W1 through HAProxy. Every process's CPU is read, so that the per-message
# cost of HAProxy and of each gateway is known: on this 2-core machine smtp-source, HAProxy and two JVMs share
# two cores, so the throughput ratio says little about N cores; the CPU per message says what scaling would cost.
haproxy_scenario() {
  [ -x /usr/sbin/haproxy ] || { log "no /usr/sbin/haproxy: apt-get install haproxy"; return; }
  local rep
  for rep in $(seq 1 "$HAPROXY_REPS"); do
    start_server demo-17
    warm_up W1
    local b a seconds
    b=$(cpu_ticks "$SERVER_PID")
    # shellcheck disable=SC2046
    seconds=$(source_run $(workload_args W1))
    a=$(cpu_ticks "$SERVER_PID")
    stop_server
    local direct_rate direct_cpu
    direct_rate=$(awk -v s="$seconds" 'BEGIN {printf "%.0f", 20000 / s}')
    direct_cpu=$(awk -v b="$b" -v a="$a" -v t="$CLK_TCK" 'BEGIN {printf "%.1f", (a - b) / t * 1e6 / 20000}')

    local pids=() ports=() https=() i
    for i in 1 2; do
      PORT=$((PORT + 1)); ports+=("$PORT")
      PORT=$((PORT + 1)); https+=("$PORT")
      "$JDK17/bin/java" ${SMTPD_JAVA_OPTS:-} -jar "$DEMO_JAR" --smtpd.localaddr="127.0.0.1:${ports[-1]}" \
        --smtpd.backlog=1024 --server.port="${https[-1]}" --demo.spool-dir= --logging.level.io.github.smtpd=WARN \
        --smtpd.proxy-protocol.trusted-proxies=127.0.0.1/32 > "$LOGS/haproxy-gateway-$i-$rep.log" 2>&1 &
      pids+=("$!")
    done
    PORT=$((PORT + 1))
    local front=$PORT cfg="$OUT/haproxy-$rep.cfg"
    {
      printf 'global\n    maxconn 4096\ndefaults\n    mode tcp\n    timeout connect 2s\n    timeout client 60s\n'
      printf '    timeout server 60s\nfrontend smtp\n    bind 127.0.0.1:%s\n    default_backend gateways\n' "$front"
      printf 'backend gateways\n    balance roundrobin\n    option httpchk GET /actuator/health/readiness\n'
      printf '    http-check expect status 200\n    default-server inter 500ms fall 2 rise 2 send-proxy-v2\n'
      printf '    server g1 127.0.0.1:%s check port %s\n    server g2 127.0.0.1:%s check port %s\n' \
        "${ports[0]}" "${https[0]}" "${ports[1]}" "${https[1]}"
    } > "$cfg"
    /usr/sbin/haproxy -db -f "$cfg" > "$LOGS/haproxy-$rep.log" 2>&1 &
    local hap=$!
    SERVER_PID=$hap SERVER_LOG="$LOGS/haproxy-$rep.log"
    # Greeted through HAProxy once both gateways are up and checked.
    local waited
    for waited in $(seq 1 100); do
      [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${https[0]}/actuator/health/readiness")" = 200 ] \
        && [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${https[1]}/actuator/health/readiness")" = 200 ] \
        && break
      sleep 0.2
    done
    sleep 1.5
    wait_for_greeting haproxy
    warm_up W1
    local bh b1 b2 ah a1 a2
    bh=$(cpu_ticks "$hap"); b1=$(cpu_ticks "${pids[0]}"); b2=$(cpu_ticks "${pids[1]}")
    # shellcheck disable=SC2046
    seconds=$(source_run $(workload_args W1))
    ah=$(cpu_ticks "$hap"); a1=$(cpu_ticks "${pids[0]}"); a2=$(cpu_ticks "${pids[1]}")
    kill "$hap" "${pids[@]}" 2>/dev/null || true
    wait "$hap" "${pids[@]}" 2>/dev/null || true
    SERVER_PID=""
    awk -v r="$rep" -v dr="$direct_rate" -v dc="$direct_cpu" -v s="$seconds" -v bh="$bh" -v ah="$ah" -v b1="$b1" \
      -v a1="$a1" -v b2="$b2" -v a2="$a2" -v t="$CLK_TCK" 'BEGIN {
        rate = 20000 / s; per = 1e6 / t / 20000;
        printf "haproxy-W1 rep %d: one gateway direct %s msgs/s (%s us CPU/msg); two behind HAProxy %.0f msgs/s (%.2fx): HAProxy %.1f us, gateway 1 %.1f us, gateway 2 %.1f us CPU per message (of all messages)\n",
          r, dr, dc, rate, rate / dr, (ah - bh) * per, (a1 - b1) * per, (a2 - b2) * per }' | tee -a "$MEM" >&2
  done
}
if [ "$HAPROXY_ONLY" = 1 ]; then
  haproxy_scenario
fi

# ---- report ------------------------------------------------------------------------------------------
{
  echo "## Results ($(date -u +%Y-%m-%dT%H:%MZ), $(( $(date +%s) - START_TIME )) s, reps=$REPS, mem-reps=$MEM_REPS)"
  echo
  echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo);" \
    "JDK 17: $("$JDK17/bin/java" -version 2>&1 | awk -F'"' '/version/ {print $2}');" \
    "JDK 25: $("$JDK25/bin/java" -version 2>&1 | awk -F'"' '/version/ {print $2}');" \
    "Postfix $(dpkg-query -W -f '${Version}' postfix 2>/dev/null || echo '?')"
  echo
  python3 "$HERE/summarize.py" "$RAW"
  if [ -s "$MEM" ]; then
    echo
    echo '```'
    cat "$MEM"
    echo '```'
  fi
} | tee "$OUT/summary.md"
