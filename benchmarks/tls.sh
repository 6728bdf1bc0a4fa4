# STARTTLS workloads (issue 19): sourced by run.sh (--tls-only [--tls-idle], --tls-idle-only), which defines log, start_server,
# stop_server, cpu_ticks, hwm_kb, PORT, SERVER_PID, SERVER_LOG, LOGS, OUT, SPOOL, JAR and the JDKs. Everything
# listens on 127.0.0.1 only.
#
# Servers (all on JDK 17, STARTTLS offered and required before MAIL, the same PKCS12 key store, the JDK's default
# TLS protocols and cipher suites on every side):
#   smtpd-17p-tls   our sink (Sink --tls-keystore … --tls-required), platform threads, its defaults otherwise
#   demo-17-tls     the demo gateway as demo-17 (spool and per-message log line off), the key store as a Spring Boot
#                   SSL bundle (smtpd.ssl.bundle, smtpd.ssl.required=true)
#   subetha-17-tls  SubEthaSMTP 7.1.7 as a discarding sink (SubethaSink), its defaults otherwise: the TLS-capable
#                   reference (Postfix's smtp-sink has no STARTTLS)
# Load: TlsLoad (benchmarks/src/.../TlsLoad.java) on JDK 25 (TLS_CLIENT_JDK), platform threads, full handshakes:
#   W1-TLS  20 sessions, 4 KiB, many messages per connection: 20,000 messages; warm-up 2 x 10,000
#   W2-TLS  20 sessions, a connection (and a handshake) per message: 1,500 messages; warm-up 2 x 800
# Each cell: a fresh server, the client's warm-up runs and the measured run in one client JVM (so that both have
# compiled their paths), the server's CPU read by the client right before and after the measured run. Servers
# interleaved A B C A B C, TLS_REPS repetitions, medians. A client check (W1 without TLS, TlsLoad --plain against
# smtp-source on the same sink) says whether the client keeps up; HandshakeCrypto times a handshake's public-key
# work alone (the floor under every server's CPU per W2-TLS handshake). With --tls-idle (or --tls-idle-only): 10,000
# idle STARTTLS sessions on our sink.

TLS_CLIENT_JDK="${TLS_CLIENT_JDK:-$JDK25}"
TLS_RAW="$OUT/tls.csv"
TLS_MEM="$OUT/tls-memory.txt"
TLS_FAILURES=0
: > "$TLS_RAW"
: > "$TLS_MEM"

# The key store both servers use: EC P-256, self-signed, in the run's temporary directory.
TLS_KS="$SPOOL/bench-tls.p12"
TLS_KS_PASS="bench-$$-$RANDOM"
"$JDK17/bin/keytool" -genkeypair -keystore "$TLS_KS" -storetype PKCS12 -storepass "$TLS_KS_PASS" -alias bench \
  -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA -dname CN=localhost \
  -ext SAN=dns:localhost,ip:127.0.0.1 -validity 7 > /dev/null 2>&1
log "key store: EC P-256 (secp256r1), SHA256withECDSA, self-signed, $TLS_KS"

tls_workload_args() {
  case "$1" in
    W1-TLS) echo "--sessions 20 --messages 20000 --size 4096 --reuse --warmup-messages 10000 --warmup-runs 2" ;;
    W2-TLS) echo "--sessions 20 --messages 1500 --size 4096 --warmup-messages 800 --warmup-runs 2" ;;
  esac
}

# tls_measure WORKLOAD SERVER REP: a fresh server, TlsLoad's warm-up and measured run; appends
# scenario,server,rep,seconds,messages,bytes,cpu_seconds,hwm_kb,jit,handshakes,client_cpu,errors,negotiated.
tls_measure() {
  local workload="$1" server="$2" rep="$3"
  start_server "$server"
  local client_log="$LOGS/tls-$workload-$server-$rep.log" rc=0
  # shellcheck disable=SC2046
  timeout 600 "$TLS_CLIENT_JDK/bin/java" -cp "$JAR" io.github.smtpd.bench.TlsLoad "127.0.0.1:$PORT" \
    $(tls_workload_args "$workload") --server-pid "$SERVER_PID" --clk-tck "$CLK_TCK" --timeout-seconds 500 \
    > "$client_log" 2>&1 || rc=$?
  local hwm
  hwm=$(hwm_kb "$SERVER_PID")
  stop_server
  local result
  result=$(grep '^RESULT' "$client_log" || true)
  if [ -z "$result" ]; then
    TLS_FAILURES=$((TLS_FAILURES + 1))
    log "  $workload $server rep $rep: NO RESULT (client exit $rc); see $client_log"
    return
  fi
  field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$result"; }
  local seconds messages accepted errors lost cpu hs client_cpu negotiated warm_errors size
  seconds=$(field seconds); messages=$(field messages); accepted=$(field accepted); errors=$(field errors)
  lost=$(field lost); cpu=$(field server_cpu_s); hs=$(field handshakes); client_cpu=$(field client_cpu_s)
  negotiated=$(field negotiated | tr ',' ';'); warm_errors=$(field warmup_errors); size=$(field size)
  if [ "$rc" != 0 ] || [ "$errors" != 0 ] || [ "$lost" != 0 ] || [ "$warm_errors" != 0 ]; then
    TLS_FAILURES=$((TLS_FAILURES + 1))
    log "  $workload $server rep $rep: ERRORS: client exit $rc, errors $errors, lost $lost, warm-up errors" \
      "$warm_errors, first: $(field first_error)"
  fi
  # Rates count accepted messages only.
  echo "$workload,$server,$rep,$seconds,$accepted,$((accepted * size)),$cpu,$hwm,-,$hs,$client_cpu,$((errors + warm_errors)),$negotiated" \
    >> "$TLS_RAW"
  awk -v sc="$workload" -v sv="$server" -v r="$rep" -v s="$seconds" -v m="$accepted" -v c="$cpu" -v h="$hwm" \
    -v hs="$hs" -v cc="$client_cpu" -v e="$((errors + warm_errors))" -v n="$negotiated" -v l="$(uptime | sed 's/.*load average: //')" \
    'BEGIN {printf "  %-7s %-15s rep %d: %6.2f s %7.0f msgs/s %6.0f handshakes/s %7.1f us CPU/msg (client %.1f us) RSS %6.1f MiB errors %d  %s  load %s\n",
      sc, sv, r, s, m / s, hs / s, c * 1e6 / m, cc * 1e6 / m, h / 1024, e, n, l}' >&2
}

# Does the client keep up? W1 without TLS against one sink: smtp-source (C, the other workloads' load), then
# TlsLoad --plain (the same warm-ups); if TlsLoad drives the sink at least as fast, its harness is not the limit.
tls_client_check() {
  log "client check: W1 without TLS on smtpd-17p, smtp-source against TlsLoad --plain"
  start_server smtpd-17p
  warm_up W1
  local b a seconds
  b=$(cpu_ticks "$SERVER_PID")
  # shellcheck disable=SC2046
  seconds=$(source_run $(workload_args W1))
  a=$(cpu_ticks "$SERVER_PID")
  local client_log="$LOGS/tls-client-check.log"
  "$TLS_CLIENT_JDK/bin/java" -cp "$JAR" io.github.smtpd.bench.TlsLoad "127.0.0.1:$PORT" --plain --sessions 20 \
    --messages 20000 --size 4096 --reuse --warmup-messages 20000 --warmup-runs 2 --server-pid "$SERVER_PID" \
    --clk-tck "$CLK_TCK" > "$client_log" 2>&1 || TLS_FAILURES=$((TLS_FAILURES + 1))
  stop_server
  local result
  result=$(grep '^RESULT' "$client_log" || echo "RESULT none")
  awk -v s="$seconds" -v b="$b" -v a="$a" -v t="$CLK_TCK" -v r="$result" -v l="$(uptime | sed 's/.*load average: //')" 'BEGIN {
      split(r, f, " "); for (i in f) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
      printf "client check (W1, no TLS, smtpd-17p): smtp-source %.0f msgs/s (server %.1f us CPU/msg); TlsLoad --plain %.0f msgs/s (server %.1f us, client %.1f us CPU/msg), errors %s; load average %s\n",
        20000 / s, (a - b) / t * 1e6 / 20000, v["msgs_per_s"], v["server_cpu_s"] * 1e6 / 20000, v["client_cpu_s"] * 1e6 / 20000, v["errors"], l }' \
    | tee -a "$TLS_MEM" >&2
}

# The handshake's unavoidable public-key work (HandshakeCrypto: the ECDSA signature and the x25519 share), timed
# alone on one thread on JDK 17, with the run's key: the floor under every server's CPU per W2-TLS handshake.
tls_crypto_floor() {
  log "handshake crypto floor: HandshakeCrypto on JDK 17, one thread, the run's key"
  local result
  result=$("$JDK17/bin/java" -cp "$JAR" io.github.smtpd.bench.HandshakeCrypto "$TLS_KS" "$TLS_KS_PASS" 2>&1 \
    | grep '^RESULT' || echo "RESULT none")
  awk -v r="$result" 'BEGIN {
      split(r, f, " "); for (i in f) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
      printf "handshake crypto floor (JDK 17, one thread, no other load): %s us per handshake (ECDSA P-256 signature %s us, x25519 key pair %s us, x25519 agreement %s us)\n",
        v["total_us"], v["sign_us"], v["keygen_us"], v["agree_us"] }' | tee -a "$TLS_MEM" >&2
}

# 10,000 idle STARTTLS sessions on our sink, JDK 17, its defaults (the heap too): the server's threads and RSS
# (/proc/PID/status) after a full GC before the sessions open, and again while all are idle; the difference per
# session. Then every session must answer NOOP over TLS.
tls_idle_sessions() {
  local sessions="${TLS_IDLE_SESSIONS:-10000}"
  log "$sessions idle STARTTLS sessions, smtpd-17p-tls (JDK 17, default heap)"
  start_server smtpd-17p-tls
  local loops
  loops=$(grep -o '[0-9]* event loop' "$SERVER_LOG" | awk '{print $1}' || echo "?")
  "$JDK17/bin/jcmd" "$SERVER_PID" GC.run > /dev/null 2>&1 || true
  sleep 1
  local rss0 threads0
  rss0=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
  threads0=$(awk '/^Threads:/ {print $2}' "/proc/$SERVER_PID/status")
  local driver_log="$LOGS/tls-idle.log"
  "$TLS_CLIENT_JDK/bin/java" -Xmx2g -cp "$JAR" io.github.smtpd.bench.IdleSessions "127.0.0.1:$PORT" --starttls \
    --sessions "$sessions" --hold-seconds 10 --timeout-seconds 400 > "$driver_log" 2>&1 &
  local driver=$!
  local i
  for i in $(seq 1 4000); do
    grep -q '^HOLDING' "$driver_log" && break
    kill -0 "$driver" 2>/dev/null || break
    sleep 0.1
  done
  local rss1="n/a" threads1="n/a" heap_used="n/a"
  if grep -q '^HOLDING' "$driver_log"; then
    "$JDK17/bin/jcmd" "$SERVER_PID" GC.run > /dev/null 2>&1 || true
    heap_used=$("$JDK17/bin/jcmd" "$SERVER_PID" GC.heap_info 2>/dev/null \
      | awk '/total/ && /used/ {for (i = 1; i <= NF; i++) if ($i == "used") {print $(i + 1); exit}}' | tr -d ',')
    rss1=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
    threads1=$(awk '/^Threads:/ {print $2}' "/proc/$SERVER_PID/status")
  fi
  local rc=0
  wait "$driver" || rc=$?
  local hwm
  hwm=$(hwm_kb "$SERVER_PID")
  stop_server
  [ "$rc" = 0 ] || TLS_FAILURES=$((TLS_FAILURES + 1))
  {
    echo "idle-starttls-10k smtpd-17p-tls JDK 17 default heap: $(grep '^RESULT' "$driver_log" || echo 'RESULT none'); driver exit $rc"
    echo "  $(grep '^HOLDING' "$driver_log" || echo 'HOLDING none')"
    awk -v r0="$rss0" -v r1="$rss1" -v t0="$threads0" -v t1="$threads1" -v n="$sessions" -v h="$heap_used" \
      -v m="$hwm" -v loops="$loops" -v l="$(uptime | sed 's/.*load average: //')" 'BEGIN {
        if (r1 == "n/a") { printf "  no HOLDING line: nothing measured\n"; exit }
        printf "  server before: %d threads, RSS %.1f MiB; while holding %d sessions: %d threads (+%d; %s event loop(s)), RSS %.1f MiB (+%.1f MiB, %.1f KiB per session); heap used after full GC %s; peak RSS %.1f MiB; load average %s\n",
          t0, r0 / 1024, n, t1, t1 - t0, loops, r1 / 1024, (r1 - r0) / 1024, (r1 - r0) / n, h, m / 1024, l }'
  } | tee -a "$TLS_MEM" >&2
}

read -r -a TLS_SERVER_ARRAY <<< "$TLS_SERVERS"
if [ "$TLS_THROUGHPUT" = 1 ]; then
  tls_client_check
  tls_crypto_floor
  for workload in W1-TLS W2-TLS; do
    log "$workload: TlsLoad $(tls_workload_args "$workload"), $TLS_REPS repetitions, servers interleaved;" \
      "load average $(uptime | sed 's/.*load average: //')"
    for rep in $(seq 1 "$TLS_REPS"); do
      for server in "${TLS_SERVER_ARRAY[@]}"; do
        tls_measure "$workload" "$server" "$rep"
      done
    done
  done
fi
if [ "$TLS_IDLE" = 1 ]; then
  tls_idle_sessions
fi

{
  echo "## STARTTLS results ($(date -u +%Y-%m-%dT%H:%MZ), $(( $(date +%s) - START_TIME )) s, reps=$TLS_REPS;" \
    "load average at the end $(uptime | sed 's/.*load average: //'))"
  echo
  echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo);" \
    "servers on JDK 17: $("$JDK17/bin/java" -version 2>&1 | awk -F'"' '/version/ {print $2}');" \
    "client on $("$TLS_CLIENT_JDK/bin/java" -version 2>&1 | awk -F'"' '/version/ {print $2}');" \
    "commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  if [ -s "$TLS_RAW" ]; then
    python3 "$HERE/summarize.py" --tls "$TLS_RAW"
  fi
  if [ "$TLS_FAILURES" != 0 ]; then
    echo
    echo "**$TLS_FAILURES run(s) with errors or lost messages** (see the log lines above and $LOGS/tls-*.log)"
  fi
  if [ -s "$TLS_MEM" ]; then
    echo
    echo '```'
    cat "$TLS_MEM"
    echo '```'
  fi
} | tee "$OUT/tls-report.md"
exit 0
