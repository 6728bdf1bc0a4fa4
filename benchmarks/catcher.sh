# The mail catcher against MailDev, and the catcher's memory with 100,000 messages: sourced by run.sh
# (--catcher-only, --catcher-memory), which defines log, wait_for_greeting, warm_up, cpu_ticks, hwm_kb, PORT,
# SERVER_PID, SERVER_LOG, HELPER_PIDS, LOGS, OUT and the JDKs. Everything listens on 127.0.0.1 only.
#
# Compared on W1 (smtp-source -s 20 -m 20000 -l 4096 -d), each product with its default catcher behaviour and its
# UI's live channel subscribed during the load:
#   maildev   MailDev 3.0.0 (npm, installed into benchmarks/target/maildev), in-memory store (its default);
#             subscriber: maildev-subscriber.cjs (socket.io-client, as its UI connects), or with --catcher-ui
#             chromium the UI page itself in headless Chromium
#   catcher   the demo gateway, --spring.profiles.active=debugging (capture on by default, 1,000 messages kept),
#             JDK 17; its standard output, where debugging mode prints every message, to a file (the profile's
#             documented use: `> mail.log`); subscriber: curl -sN /smtpd/api/events (SSE)
#   capture   the same catcher without debugging mode's printing: the demo's default mode with its spool and
#             per-message log line off (demo-17 of the throughput runs) and --smtpd.capture.enabled=true; what the
#             capture itself costs (not a default: shown beside the others)
# Each repetition: a fresh server, its subscriber connected, the same warm-up (2 x W1), the store emptied through
# each product's API, then the measured W1. Messages are counted after the run: MailDev's store total, our
# server's accepted total (actuator) — a message smtp-source sent but the server did not keep counts as lost.

MAILDEV_DIR="$HERE/target/maildev"
MAILDEV_VERSION=3.0.0
SOCKET_IO_CLIENT_VERSION=4.8.3
CATCHER_RAW="$OUT/catcher.csv"
CATCHER_MEM="$OUT/catcher-memory.txt"

install_node_tools() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    log "installing Debian's nodejs and npm"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
  fi
  if [ "$(node -p "require('$MAILDEV_DIR/node_modules/maildev/package.json').version" 2>/dev/null)" != "$MAILDEV_VERSION" ] \
      || [ ! -f "$MAILDEV_DIR/node_modules/socket.io-client/package.json" ]; then
    log "installing maildev@$MAILDEV_VERSION and socket.io-client@$SOCKET_IO_CLIENT_VERSION into $MAILDEV_DIR (npm)"
    mkdir -p "$MAILDEV_DIR"
    npm install --prefix "$MAILDEV_DIR" --no-audit --no-fund --no-save \
      "maildev@$MAILDEV_VERSION" "socket.io-client@$SOCKET_IO_CLIENT_VERSION" >&2
  fi
  if [ "$CATCHER_UI" = chromium ] && [ ! -x /usr/bin/chromium ]; then
    log "installing Debian's chromium"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  fi
}

# http_json URL EXPRESSION: a value of a JSON answer (EXPRESSION is Python over the parsed document d).
http_json() {
  curl -sf --max-time 60 "$1" | python3 -c "import json, sys; d = json.load(sys.stdin); print($2)"
}

# wait_for_line FILE TEXT SECONDS: until FILE contains TEXT.
wait_for_line() {
  local i
  for i in $(seq 1 $(($3 * 10))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# free_ports: two loopback ports free now, chosen by the kernel (fixed ones can collide with the ephemeral ports of
# other processes on a shared machine).
free_ports() {
  python3 -c 'import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])'
}

# start_catcher_server NAME: MailDev or our demo on fresh loopback ports; sets SERVER_PID, PORT (SMTP), WEB_PORT,
# SERVER_LOG.
start_catcher_server() {
  local name="$1"; shift
  read -r PORT WEB_PORT < <(free_ports)
  SERVER_LOG="$LOGS/$name-$PORT.log"
  case "$name" in
    maildev)
      node "$MAILDEV_DIR/node_modules/maildev/dist/bin/maildev.js" --ip 127.0.0.1 --web-ip 127.0.0.1 \
        --smtp "$PORT" --web "$WEB_PORT" > "$SERVER_LOG" 2>&1 &
      SERVER_PID=$!
      ;;
    catcher)
      # Standard output is where debugging mode prints each message; its log lines go to logs/ (the profile's).
      "$JDK17/bin/java" ${SMTPD_JAVA_OPTS:-} "$@" -jar "$DEMO_JAR" --spring.profiles.active=debugging \
        --smtpd.localaddr="127.0.0.1:$PORT" --smtpd.backlog=1024 --server.address=127.0.0.1 \
        --server.port="$WEB_PORT" --logging.file.name="$SERVER_LOG" ${CATCHER_ARGS:-} \
        > "${CATCHER_STDOUT:-$LOGS/catcher-stdout-$PORT.txt}" 2>> "$SERVER_LOG.err" &
      SERVER_PID=$!
      ;;
    capture)
      "$JDK17/bin/java" ${SMTPD_JAVA_OPTS:-} "$@" -jar "$DEMO_JAR" --smtpd.capture.enabled=true \
        --smtpd.localaddr="127.0.0.1:$PORT" --smtpd.backlog=1024 --server.address=127.0.0.1 \
        --server.port="$WEB_PORT" --demo.spool-dir= --logging.level.io.github.smtpd=WARN > "$SERVER_LOG" 2>&1 &
      SERVER_PID=$!
      ;;
  esac
  wait_for_greeting "$name"
  local i
  for i in $(seq 1 100); do
    curl -sf -o /dev/null --max-time 2 "$(store_url "$name")" && return 0
    sleep 0.1
  done
  echo "$name: no answer on http://127.0.0.1:$WEB_PORT" >&2
  exit 1
}

store_url() {
  case "$1" in
    maildev) echo "http://127.0.0.1:$WEB_PORT/api/email/summary?limit=0" ;;
    catcher|capture) echo "http://127.0.0.1:$WEB_PORT/smtpd/api/v1/messages?limit=0" ;;
  esac
}

# subscribe NAME: the UI's live channel, connected before the load; sets SUBSCRIBER_PID and SUBSCRIBER_LOG.
subscribe() {
  local name="$1"
  SUBSCRIBER_LOG="$LOGS/$name-subscriber-$PORT.log"
  case "$name/$CATCHER_UI" in
    maildev/node)
      node "$HERE/maildev-subscriber.cjs" "$MAILDEV_DIR/node_modules" "http://127.0.0.1:$WEB_PORT" \
        > "$SUBSCRIBER_LOG" 2>&1 &
      SUBSCRIBER_PID=$!
      wait_for_line "$SUBSCRIBER_LOG" '^connected' 20 || { echo "MailDev subscriber did not connect" >&2; exit 1; }
      ;;
    maildev/chromium)
      /usr/bin/chromium --headless=new --no-sandbox --disable-gpu --no-first-run --disable-extensions \
        --user-data-dir="$OUT/chromium-$PORT" --remote-debugging-address=127.0.0.1 --remote-debugging-port=0 \
        "http://127.0.0.1:$WEB_PORT/" > "$SUBSCRIBER_LOG" 2>&1 &
      SUBSCRIBER_PID=$!
      # Subscribed once the page holds a connection to MailDev's web port open (its socket.io WebSocket), and
      # has had time to load its list.
      local i
      for i in $(seq 1 300); do
        ss -tnpH state established "( dport = :$WEB_PORT )" 2>/dev/null | grep -q chrom && break
        sleep 0.1
      done
      sleep 3
      ss -tnpH state established "( dport = :$WEB_PORT )" 2>/dev/null | grep -q chrom \
        || { echo "Chromium holds no connection to MailDev's UI" >&2; exit 1; }
      ;;
    catcher/*|capture/*)
      curl -sN "http://127.0.0.1:$WEB_PORT/smtpd/api/events" > "$SUBSCRIBER_LOG" 2>&1 &
      SUBSCRIBER_PID=$!
      # The stream starts with a stats event.
      wait_for_line "$SUBSCRIBER_LOG" '"stats"' 20 || { echo "SSE subscriber got no first event" >&2; exit 1; }
      ;;
  esac
  HELPER_PIDS=("$SUBSCRIBER_PID")
}

clear_store() {
  case "$1" in
    maildev) curl -sf -o /dev/null --max-time 60 -X DELETE "http://127.0.0.1:$WEB_PORT/api/email/all" ;;
    catcher|capture) curl -sf -o /dev/null --max-time 60 -X DELETE "http://127.0.0.1:$WEB_PORT/smtpd/api/v1/messages" ;;
  esac
}

# kept_count NAME: how many messages the server says it received: MailDev's store, our accepted total.
kept_count() {
  case "$1" in
    maildev) http_json "$(store_url maildev)" 'd["total"]' ;;
    catcher|capture) http_json "http://127.0.0.1:$WEB_PORT/actuator/smtpd" 'd["totals"]["messages"]["accepted"]' ;;
  esac
}

# catcher_source_run ARGS...: smtp-source against $PORT, bounded to 600 s; prints seconds; its stderr to a log.
catcher_source_run() {
  local start end
  start=$(date +%s.%N)
  timeout 600 "$SMTP_SOURCE" "$@" "127.0.0.1:$PORT" > /dev/null 2>> "$LOGS/smtp-source-$PORT.err" || true
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f\n", b - a}'
}

catcher_measure() {
  local name="$1" rep="$2"
  start_catcher_server "$name"
  subscribe "$name"
  warm_up W1
  clear_store "$name"
  local before_count before_cpu after_cpu seconds after_count
  before_count=$(kept_count "$name")
  before_cpu=$(cpu_ticks "$SERVER_PID")
  # shellcheck disable=SC2046
  seconds=$(catcher_source_run $(workload_args W1))
  after_cpu=$(cpu_ticks "$SERVER_PID")
  # What is kept is counted once the server has settled (MailDev parses after the 250).
  sleep 2
  after_count=$(kept_count "$name")
  local hwm errors subscriber_alive=yes events
  hwm=$(hwm_kb "$SERVER_PID")
  errors=$(wc -l < "$LOGS/smtp-source-$PORT.err" 2>/dev/null || echo 0)
  kill -0 "$SUBSCRIBER_PID" 2>/dev/null || subscriber_alive=no
  kill "$SUBSCRIBER_PID" 2>/dev/null || true
  wait "$SUBSCRIBER_PID" 2>/dev/null || true
  # Stopped: its pid is not to be signalled again at exit (it may name another process by then).
  HELPER_PIDS=()
  case "$name/$CATCHER_UI" in
    maildev/node) events=$(grep -o 'newMail=[0-9]*' "$SUBSCRIBER_LOG" | tail -n 1) ;;
    maildev/chromium) events="page open" ;;
    catcher/*|capture/*) events="sse-bytes=$(wc -c < "$SUBSCRIBER_LOG")" ;;
  esac
  stop_server
  rm -f "$LOGS"/catcher-stdout-*.txt
  rm -rf "$OUT"/chromium-*
  local received=$((after_count - before_count))
  echo "$name,$rep,$seconds,20000,$received,$errors,$(awk -v a="$before_cpu" -v b="$after_cpu" -v t="$CLK_TCK" 'BEGIN {printf "%.2f", (b - a) / t}'),$hwm,$subscriber_alive,$events" >> "$CATCHER_RAW"
  awk -v n="$name" -v r="$rep" -v s="$seconds" -v k="$received" -v e="$errors" -v b="$before_cpu" -v a="$after_cpu" \
    -v t="$CLK_TCK" -v h="$hwm" -v ev="$events" -v al="$subscriber_alive" 'BEGIN {
      printf "  catcher-W1 %-8s rep %d: %7.2f s  %7.0f msgs/s sent, %7.0f kept/s (%d of 20000 kept, %d smtp-source error lines)  %6.1f us CPU/msg  RSS %6.1f MiB  subscriber: %s, alive %s\n",
        n, r, s, 20000 / s, k / s, k, e, (a - b) / t * 1e6 / 20000, h / 1024, ev, al }' >&2
}

catcher_compare() {
  : > "$CATCHER_RAW"
  log "mail catcher against MailDev: W1, $CATCHER_REPS repetitions interleaved, UI live channel: $CATCHER_UI"
  local rep
  for rep in $(seq 1 "$CATCHER_REPS"); do
    catcher_measure maildev "$rep"
    catcher_measure catcher "$rep"
    [ "$CATCHER_QUIET" = 1 ] && catcher_measure capture "$rep"
  done
  python3 - "$CATCHER_RAW" <<'EOF' | tee -a "$OUT/catcher-summary.md" >&2
import csv, statistics, sys
rows = list(csv.reader(open(sys.argv[1])))
by = {}
for name, rep, seconds, sent, kept, errors, cpu, hwm, alive, events in rows:
    by.setdefault(name, []).append((float(seconds), int(sent), int(kept), int(errors), float(cpu), int(hwm)))
def med(name, f):
    return statistics.median(f(r) for r in by[name])
print("| W1, UI subscribed | kept msgs/s (median) | range | kept of 20,000 | CPU/msg | peak RSS |")
print("|---|---|---|---|---|---|")
for name, label in (("maildev", "MailDev 3.0.0"), ("catcher", "smtpd demo, debugging mode, capture on"),
                    ("capture", "smtpd demo, default mode (no printing), capture on")):
    if name not in by:
        continue
    rates = [r[2] / r[0] for r in by[name]]
    print(f"| {label} | {statistics.median(rates):,.0f} | {min(rates):,.0f}-{max(rates):,.0f} | "
          f"{min(r[2] for r in by[name]):,}-{max(r[2] for r in by[name]):,} | "
          f"{med(name, lambda r: r[4] * 1e6 / r[1]):.0f} us | {med(name, lambda r: r[5]) / 1024:.0f} MiB |")
for name in ("catcher", "capture"):
    if "maildev" in by and name in by:
        ours = statistics.median(r[2] / r[0] for r in by[name])
        theirs = statistics.median(r[2] / r[0] for r in by["maildev"])
        pairs = sorted((c[2] / c[0]) / (m[2] / m[0]) for c, m in zip(by[name], by["maildev"]))
        print(f"\n{name} / MailDev, ratio of medians: {ours / theirs:.1f}x"
              f" (per interleaved repetition: {', '.join(f'{p:.1f}x' for p in pairs)})")
EOF
}

# The catcher holding 100,000 messages under a small heap: heap after a full GC, RSS, the store file, and the API
# still answering over the whole store.
catcher_memory() {
  : > "$CATCHER_MEM"
  local heap
  for heap in $CATCHER_HEAPS; do
    log "100,000 captured messages (4 KiB), demo in debugging mode, -Xmx$heap"
    # Printing every message is beside the point here: standard output goes to /dev/null.
    mkdir -p "$OUT/tmp-$heap"
    CATCHER_ARGS="--smtpd.capture.max-messages=100000 --smtpd.capture.max-size=2GB" CATCHER_STDOUT=/dev/null \
      start_catcher_server catcher "-Xmx$heap" "-Djava.io.tmpdir=$OUT/tmp-$heap"
    local seconds
    seconds=$(catcher_source_run -s 20 -m 100000 -l 4096 -d)
    sleep 1
    local total list_ms search_ms db db_size
    total=$(http_json "http://127.0.0.1:$WEB_PORT/smtpd/api/v1/messages?limit=50" 'd["total"]' || echo "no answer")
    list_ms=$(curl -s -o /dev/null --max-time 60 -w '%{time_total}' "http://127.0.0.1:$WEB_PORT/smtpd/api/v1/messages?start=50000&limit=50")
    search_ms=$(curl -s -o /dev/null --max-time 120 -w '%{time_total}' "http://127.0.0.1:$WEB_PORT/smtpd/api/v1/search?query=no-such-word")
    db=$(http_json "http://127.0.0.1:$WEB_PORT/smtpd/api/v1/info" 'd["Database"]' || echo "?")
    db_size=$(stat -c %s "$db" 2>/dev/null || echo "?")
    "$JDK17/bin/jcmd" "$SERVER_PID" GC.run > /dev/null 2>&1 || true
    local heap_used rss hwm oom=no
    heap_used=$("$JDK17/bin/jcmd" "$SERVER_PID" GC.heap_info 2>/dev/null \
      | awk '/total/ && /used/ {for (i = 1; i <= NF; i++) if ($i == "used") {print $(i + 1); exit}}' | tr -d ',')
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
    hwm=$(hwm_kb "$SERVER_PID")
    grep -q OutOfMemoryError "$SERVER_LOG" "$SERVER_LOG.err" 2>/dev/null && oom=yes
    local accepted
    accepted=$(kept_count catcher || echo "?")
    stop_server
    rm -rf "$OUT/tmp-$heap"
    awk -v h="$heap" -v s="$seconds" -v a="$accepted" -v t="$total" -v l="$list_ms" -v q="$search_ms" -v u="$heap_used" \
      -v r="$rss" -v p="$hwm" -v d="$db_size" -v o="$oom" 'BEGIN {
        printf "catcher-100k -Xmx%s: 100000 sent in %.1f s (%.0f msgs/s), %s accepted; API total %s; list page at start=50000 %.0f ms, search over all %.0f ms; heap used after full GC %s; RSS %.0f MiB (peak %.0f MiB); store file %.0f MiB; OutOfMemoryError: %s\n",
          h, s, 100000 / s, a, t, l * 1000, q * 1000, u, r / 1024, p / 1024, d / 1048576, o }' | tee -a "$CATCHER_MEM" >&2
  done
}

install_node_tools
[ -f "$DEMO_JAR" ] || { echo "no $DEMO_JAR; build first" >&2; exit 1; }
: > "$OUT/catcher-summary.md"
[ "$CATCHER_COMPARE" = 1 ] && catcher_compare
[ "$CATCHER_MEMORY" = 1 ] && catcher_memory
{
  echo "## Mail catcher ($(date -u +%Y-%m-%dT%H:%MZ), $(( $(date +%s) - START_TIME )) s)"
  echo
  echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo);" \
    "JDK 17: $("$JDK17/bin/java" -version 2>&1 | awk -F'"' '/version/ {print $2}'); node $(node --version);" \
    "MailDev $MAILDEV_VERSION; live channel: $CATCHER_UI"
  echo
  cat "$OUT/catcher-summary.md"
  if [ -s "$CATCHER_MEM" ]; then
    echo
    echo '```'
    cat "$CATCHER_MEM"
    echo '```'
  fi
} | tee "$OUT/catcher-report.md"
exit 0
