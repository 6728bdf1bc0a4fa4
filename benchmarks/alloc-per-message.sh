#!/usr/bin/env bash
# Bytes the demo gateway allocates per message, as JFR's allocation samples add up: a full-size warm-up, then a
# recording around exactly 120,000 W1 messages (20 sessions, 4 KiB). Prints "bytes/msg N" and keeps the recording.
#   usage: benchmarks/alloc-per-message.sh [JAR] [JDK] [extra application arguments...]
#   e.g.   benchmarks/alloc-per-message.sh demo-app/target/smtpd-demo-app.jar /usr/lib/jvm/temurin-25-jdk-amd64 \
#            --spring.threads.virtual.enabled=true
set -euo pipefail
JAR=${1:-demo-app/target/smtpd-demo-app.jar}
JDK=${2:-/usr/lib/jvm/java-17-openjdk-amd64}
shift $(( $# > 2 ? 2 : $# ))
PORT=${PORT:-24190}
OUT=${OUT:-/tmp/alloc-per-message}
MESSAGES=120000
mkdir -p "$OUT"
"$JDK/bin/java" -Xmx64m -jar "$JAR" --smtpd.localaddr=127.0.0.1:$PORT --server.port=0 --demo.spool-dir= \
  --logging.level.io.github.smtpd=WARN "$@" > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
  sleep 0.5
done
/usr/sbin/smtp-source -s 20 -m 60000 -l 4096 -d 127.0.0.1:$PORT
"$JDK/bin/jcmd" $SERVER JFR.start name=alloc settings=profile filename="$OUT/alloc.jfr" > /dev/null
/usr/sbin/smtp-source -s 20 -m $MESSAGES -l 4096 -d 127.0.0.1:$PORT
"$JDK/bin/jcmd" $SERVER JFR.stop name=alloc > /dev/null
"$JDK/bin/jfr" print --json --events jdk.ObjectAllocationSample "$OUT/alloc.jfr" | python3 -c "
import json, sys
events = json.load(sys.stdin)['recording']['events']
print('bytes/msg', round(sum(e['values']['weight'] for e in events) / $MESSAGES))"
echo "recording: $OUT/alloc.jfr (jfr view allocation-by-site $OUT/alloc.jfr)"
