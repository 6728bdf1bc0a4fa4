#!/usr/bin/env bash
# The demo gateway's W1 rate with a small heap against the default heap, in paired runs: two gateways run side by
# side, one per heap, and take turns under W1, so that each small-heap run has a default-heap run next to it in
# time. run.sh's heap comparison starts a fresh server for each measured run, and its cells swing by a quarter on
# this shared VM; pairs cancel the slow part of that swing, and the several pairs of JVMs the part that stays with
# one JVM (what its JIT compiled).
#
#   benchmarks/heap-pairs.sh [--jvms K] [--pairs M] [--a "JVM OPTIONS"] [--b "JVM OPTIONS"] [--jdk DIR] [--out DIR]
#                            [-- extra application arguments]
#   e.g. benchmarks/heap-pairs.sh                                      # default heap against -Xmx64m, 6 x 8 pairs
#        benchmarks/heap-pairs.sh --b ""                               # the control: default heap against itself
#        benchmarks/heap-pairs.sh --jdk /usr/lib/jvm/temurin-25-jdk-amd64 -- --spring.threads.virtual.enabled=true
#
# Each of K pairs of JVMs: both gateways started (A and B, as run.sh's demo-17: spool and per-message log line
# off), each warmed with three W1 runs, then M rounds of one measured W1 run each (20 sessions, 20,000 4 KiB
# messages, smtp-source as the client), A first in odd rounds and B first in even ones. The idle gateway costs
# next to nothing meanwhile. Prints the medians, the median of the per-round ratios B/A with a 95 % interval
# (bootstrap over the JVM pairs, then over their rounds), and the same for CPU per message and GC pauses; the raw
# runs go to OUT/heap-pairs.csv, the gateways' logs to OUT/heap-pairs-logs. About a minute and a half per JVM
# pair. Needs the demo jar (run.sh builds it).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DEMO_JAR="$ROOT/demo-app/target/smtpd-demo-app.jar"
SMTP_SOURCE=/usr/sbin/smtp-source
JDK=/usr/lib/jvm/java-17-openjdk-amd64
JVMS=6
PAIRS=8
A_OPTS=""
B_OPTS="-Xmx64m"
OUT="$HERE/target/results"
PORT=${PORT:-25300}
APP_ARGS=()

while [ $# -gt 0 ]; do
  case "$1" in
    --jvms) JVMS="$2"; shift ;;
    --pairs) PAIRS="$2"; shift ;;
    --a) A_OPTS="$2"; shift ;;
    --b) B_OPTS="$2"; shift ;;
    --jdk) JDK="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --) shift; APP_ARGS=("$@"); break ;;
    *) echo "unknown option $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$JDK/bin/java" ] || { echo "no java in $JDK (--jdk)" >&2; exit 2; }
[ -f "$DEMO_JAR" ] || { echo "missing $DEMO_JAR: build it first (mvn -B -pl demo-app -am package -DskipTests)" >&2; exit 2; }
[ -x "$SMTP_SOURCE" ] || { echo "missing $SMTP_SOURCE: run benchmarks/run.sh once, or apt-get install postfix" >&2; exit 2; }
mkdir -p "$OUT"
RAW="$OUT/heap-pairs.csv"
# The gateways' logs stay for a look at an odd round (one JDK 25 round once stalled for seconds).
LOGS="$OUT/heap-pairs-logs"
rm -rf "$LOGS"
mkdir -p "$LOGS"
echo "jvm,round,side,seconds,messages,cpu_seconds,gc_seconds,gc_threads_cpu_seconds,jit_cpu_seconds,context_switches" > "$RAW"
CLK_TCK="$(getconf CLK_TCK)"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# start SIDE PORT OPTS: a demo gateway as run.sh's demo-17 runs it; sets STARTED to its pid once it greets.
start() {
  local side="$1" port="$2" opts="$3"
  # shellcheck disable=SC2086
  "$JDK/bin/java" $opts -jar "$DEMO_JAR" --smtpd.localaddr="127.0.0.1:$port" --smtpd.backlog=1024 --server.port=0 \
    --demo.spool-dir= --logging.level.io.github.smtpd=WARN "${APP_ARGS[@]}" > "$LOGS/$side-$port.log" 2>&1 &
  local pid=$!
  local i
  for i in $(seq 1 300); do
    if python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$port),1); s.settimeout(2); \
sys.exit(0 if s.recv(512).startswith(b'220') else 1)" 2>/dev/null; then
      STARTED=$pid
      PIDS+=("$pid")
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "gateway $side died on start:" >&2; cat "$LOGS/$side-$port.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "gateway $side did not start on $port" >&2
  exit 1
}

gc_seconds() {
  { "$JDK/bin/jstat" -gc "$1" 2>/dev/null || true; } \
    | awk 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "GCT") c = i} NR == 2 && c {print $c}'
}

# thread_ticks PID: CPU ticks of the JVM's GC threads (G1's workers, marker, refinement and service threads, the
# VM thread) and of its JIT compilers (whatever remains of the process's CPU is the application's), and the
# context switches of all its threads, voluntary and involuntary.
thread_ticks() {
  python3 - "$1" <<'PY'
import glob, sys
gc = jit = switches = 0
for task in glob.glob(f"/proc/{sys.argv[1]}/task/*"):
    try:
        name = open(f"{task}/comm").read().strip()
        fields = open(f"{task}/stat").read().rsplit(")", 1)[1].split()
        status = open(f"{task}/status").read().splitlines()
    except OSError:
        continue
    ticks = int(fields[11]) + int(fields[12])
    switches += sum(int(line.split()[1]) for line in status if "ctxt_switches:" in line)
    if name.startswith(("GC Thread", "G1 ", "VM Thread")):
        gc += ticks
    elif name.startswith(("C1 Compiler", "C2 Compiler")):
        jit += ticks
print(gc, jit, switches)
PY
}

w1() { timeout 300 "$SMTP_SOURCE" -s 20 -m 20000 -l 4096 -d "127.0.0.1:$1" > /dev/null; }

# run JVM ROUND SIDE PORT PID: one measured W1 run, appended to the CSV.
run() {
  local jvm="$1" round="$2" side="$3" port="$4" pid="$5"
  local cpu0 cpu1 gc0 gc1 t0 t1 gct0 gct1 jit0 jit1 cs0 cs1
  sleep 0.5
  read -r gct0 jit0 cs0 < <(thread_ticks "$pid")
  gc0=$(gc_seconds "$pid"); cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat"); t0=$(date +%s.%N)
  w1 "$port"
  t1=$(date +%s.%N); cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat"); gc1=$(gc_seconds "$pid")
  read -r gct1 jit1 cs1 < <(thread_ticks "$pid")
  awk -v j="$jvm" -v r="$round" -v s="$side" -v t0="$t0" -v t1="$t1" -v c0="$cpu0" -v c1="$cpu1" -v g0="$gc0" \
    -v g1="$gc1" -v hz="$CLK_TCK" \
    -v gt0="$gct0" -v gt1="$gct1" -v k0="$jit0" -v k1="$jit1" -v x0="$cs0" -v x1="$cs1" \
    'BEGIN {printf "%d,%d,%s,%.3f,20000,%.2f,%.3f,%.2f,%.2f,%d\n", j, r, s, t1 - t0, (c1 - c0) / hz, g1 - g0,
      (gt1 - gt0) / hz, (k1 - k0) / hz, x1 - x0}' >> "$RAW"
  tail -1 "$RAW" | awk -F, '{printf "  jvm %d round %2d %s: %7.0f msgs/s  %6.1f us CPU/msg (GC threads %4.1f, JIT %4.1f)  GC pauses %4.0f ms  %.2f context switches/msg\n",
    $1, $2, $3, $5 / $4, $6 * 1e6 / $5, $8 * 1e6 / $5, $9 * 1e6 / $5, $7 * 1000, $10 / $5}' >&2
}

log "W1, default heap${A_OPTS:+ with $A_OPTS} (A) against ${B_OPTS:-the default heap} (B): $JVMS pairs of JVMs x $PAIRS rounds, $JDK"
for jvm in $(seq 1 "$JVMS"); do
  port_a=$((PORT + 2 * jvm)); port_b=$((port_a + 1))
  # The first of the two to start in odd pairs is A, in even ones B.
  if [ $((jvm % 2)) = 1 ]; then
    start A "$port_a" "$A_OPTS"; pid_a=$STARTED
    start B "$port_b" "$B_OPTS"; pid_b=$STARTED
  else
    start B "$port_b" "$B_OPTS"; pid_b=$STARTED
    start A "$port_a" "$A_OPTS"; pid_a=$STARTED
  fi
  # Three warm-ups each: after two, a JVM still compiled in some first rounds (up to 16 µs of JIT per message).
  for _ in 1 2 3; do w1 "$port_a"; w1 "$port_b"; done
  for round in $(seq 1 "$PAIRS"); do
    if [ $((round % 2)) = 1 ]; then
      run "$jvm" "$round" A "$port_a" "$pid_a"; run "$jvm" "$round" B "$port_b" "$pid_b"
    else
      run "$jvm" "$round" B "$port_b" "$pid_b"; run "$jvm" "$round" A "$port_a" "$pid_a"
    fi
  done
  cleanup
  PIDS=()
done

python3 "$HERE/heap_pairs.py" "$RAW" "A: default heap${A_OPTS:+ $A_OPTS}" "B: ${B_OPTS:-default heap}"
