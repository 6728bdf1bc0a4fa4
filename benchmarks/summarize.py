#!/usr/bin/env python3
"""Turns run.sh's raw.csv into Markdown tables of medians and ratios against smtp-sink.

raw.csv rows: scenario,server,rep,seconds,messages,bytes,cpu_seconds,hwm_kb[,jit_seconds[,gc_seconds]]
(jit_seconds: the JVM's JIT compilation time inside the measured run; gc_seconds: its stop-the-world GC pauses
there; both "-" for smtp-sink; older files lack them)
"""
import csv
import os
import statistics
import sys
from collections import defaultdict

MIB = 1024 * 1024
SERVERS = ["smtp-sink", "smtpd-17p", "smtpd-25v", "smtpd-17e", "demo-17", "demo-25v", "demo-17l", "demo-17s"]
LABELS = {
    "smtp-sink": "Postfix smtp-sink",
    "smtpd-17p": "smtpd for Java, JDK 17, platform threads",
    "smtpd-25v": "smtpd for Java, JDK 25, virtual threads",
    "smtpd-17e": "smtpd for Java, JDK 17, processors on the executor",
    "demo-17": "demo gateway (Spring Boot starter), JDK 17, spool and log line off",
    "demo-25v": "demo gateway, JDK 25, virtual threads, spool and log line off",
    "demo-17l": "demo gateway, JDK 17, spool off, a log line per message",
    "demo-17s": "demo gateway as shipped, JDK 17: log line, spool on (fsync per message)",
}


def load(path):
    cells = defaultdict(list)
    with open(path) as f:
        for row in csv.reader(f):
            if not row:
                continue
            scenario, server, rep, seconds, messages, size, cpu, hwm = row[:8]
            seconds, messages, size, cpu, hwm = float(seconds), int(messages), int(size), float(cpu), int(hwm)
            jit = row[8] if len(row) > 8 and row[8] not in ("", "-") else None
            gc = row[9] if len(row) > 9 and row[9] not in ("", "-") else None
            cells[(scenario, server)].append({
                "rate": messages / seconds,
                "mibs": size / MIB / seconds,
                "cpu_us": cpu * 1e6 / messages,
                "rss": hwm / 1024,
                "jit": float(jit) if jit is not None else None,
                "gc_pct": float(gc) * 100 / seconds if gc is not None else None,
            })
    return cells


def med(runs, key):
    values = [r[key] for r in runs if r[key] is not None]
    return statistics.median(values) if values else None


def spread(runs, key):
    values = [r[key] for r in runs]
    if len(values) < 2:
        return ""
    lo, hi, m = min(values), max(values), statistics.median(values)
    return f" ±{(hi - lo) / 2 / m * 100:.0f}%"


def pct(value):
    return "–" if value is None else f"{value:.1f} %"


def fmt(value, digits=0):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def main(path):
    cells = load(path)
    servers = [s for s in SERVERS if any(k[1] == s for k in cells)]
    have = lambda w: any(k[0] == w for k in cells)
    if have("W1") or have("W2") or have("W3"):
        reps = max(len(v) for k, v in cells.items() if k[0] in ("W1", "W2", "W3"))
        print(f"Medians of {reps} interleaved runs (± is half the min–max spread). CPU is the server process's "
              "user+system time per message; RSS is its peak (VmHWM) in that workload.")
        print()
        print("| server | W1 msgs/s | W1 MiB/s | W1 CPU/msg | W1 peak RSS | W2 msgs/s | W2 CPU/msg | W2 peak RSS "
              "| W3 MiB/s | W3 CPU/msg | W3 peak RSS |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for s in servers:
            w1, w2, w3 = cells.get(("W1", s), []), cells.get(("W2", s), []), cells.get(("W3", s), [])
            print(f"| {LABELS[s]} "
                  f"| {fmt(med(w1, 'rate'))}{spread(w1, 'rate')} | {fmt(med(w1, 'mibs'), 1)} "
                  f"| {fmt(med(w1, 'cpu_us'))} µs | {fmt(med(w1, 'rss'))} MiB "
                  f"| {fmt(med(w2, 'rate'))}{spread(w2, 'rate')} | {fmt(med(w2, 'cpu_us'))} µs "
                  f"| {fmt(med(w2, 'rss'))} MiB "
                  f"| {fmt(med(w3, 'mibs'))}{spread(w3, 'mibs')} | {fmt(med(w3, 'cpu_us'))} µs "
                  f"| {fmt(med(w3, 'rss'))} MiB |")
        jit = {k: max(r["jit"] for r in v) for k, v in cells.items()
               if k[0] in ("W1", "W2", "W3") and any(r["jit"] is not None for r in v)
               and all(r["jit"] is not None for r in v)}
        if jit:
            print()
            print("JIT compilation inside the measured runs (the most of any run; near 0 means steady state): "
                  + ", ".join(f"{k[1]} {k[0]} {v:.2f} s" for k, v in sorted(jit.items(), key=lambda i: (i[0][1], i[0][0]))))
        print()
        print("Ratios to smtp-sink (throughput: higher is better; CPU per message: lower is better; "
              "target ≥ 1.00 for throughput and ≤ 1.00 for W1 CPU):")
        print()
        print("| server | W1 msgs/s | W1 CPU/msg | W2 msgs/s | W2 CPU/msg | W3 MiB/s | W3 CPU/msg |")
        print("|---|---|---|---|---|---|---|")
        ref = lambda w, k: med(cells.get((w, "smtp-sink"), []), k)
        for s in servers:
            if s == "smtp-sink":
                continue
            out = []
            for w, k in (("W1", "rate"), ("W1", "cpu_us"), ("W2", "rate"), ("W2", "cpu_us"), ("W3", "mibs"),
                         ("W3", "cpu_us")):
                a, b = med(cells.get((w, s), []), k), ref(w, k)
                out.append(f"{a / b:.2f}×" if a and b else "–")
            print(f"| {LABELS[s]} | " + " | ".join(out) + " |")
    if have("W1-default") or have("W1-xmx64m"):
        print()
        # run.sh's SMALL_HEAP_OPTS replaces -Xmx64m; the table names what actually ran.
        small = os.environ.get("SMALL_HEAP_OPTS") or "-Xmx64m"
        print(f"W1 with `{small}` against the default heap (1/4 of RAM), interleaved:")
        print()
        print(f"| server | default heap msgs/s | {small} msgs/s | ratio | default CPU/msg | {small} CPU/msg "
              f"| default GC pauses | {small} GC pauses | default peak RSS | {small} peak RSS |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for s in servers:
            d, x = cells.get(("W1-default", s), []), cells.get(("W1-xmx64m", s), [])
            if not d and not x:
                continue
            rd, rx = med(d, "rate"), med(x, "rate")
            ratio = f"{rx / rd:.2f}×" if rd and rx else "–"
            print(f"| {LABELS[s]} | {fmt(rd)} | {fmt(rx)} | {ratio} | {fmt(med(d, 'cpu_us'))} µs "
                  f"| {fmt(med(x, 'cpu_us'))} µs | {pct(med(d, 'gc_pct'))} | {pct(med(x, 'gc_pct'))} "
                  f"| {fmt(med(d, 'rss'))} MiB | {fmt(med(x, 'rss'))} MiB |")
        print()
        print("GC pauses: the server's stop-the-world GC time inside the measured run (jstat's GCT), as a share of "
              "the run's wall time; medians.")


TLS_SERVERS = ["subetha-17-tls", "smtpd-17p-tls", "demo-17-tls"]
TLS_LABELS = {
    "subetha-17-tls": "SubEthaSMTP 7.1.7 sink, JDK 17",
    "smtpd-17p-tls": "smtpd for Java sink, JDK 17, platform threads",
    "demo-17-tls": "demo gateway, JDK 17, spool and log line off",
}
TLS_WORKLOADS = {
    "W1-TLS": "W1-TLS (20 sessions, 4 KiB, STARTTLS once per connection, many messages per connection)",
    "W2-TLS": "W2-TLS (20 sessions, a connection and a full TLS handshake per message)",
}


def main_tls(path):
    """tls.csv rows: scenario,server,rep,seconds,accepted,bytes,cpu_seconds,hwm_kb,jit,handshakes,client_cpu,
    errors,negotiated (from tls.sh)."""
    cells = defaultdict(list)
    with open(path) as f:
        for row in csv.reader(f):
            if not row:
                continue
            scenario, server, rep, seconds, messages, size, cpu, hwm, _jit, hs, client, errors, negotiated = row[:13]
            seconds, messages = float(seconds), int(messages)
            cells[(scenario, server)].append({
                "rate": messages / seconds,
                "hs": int(hs) / seconds,
                "cpu_us": float(cpu) * 1e6 / messages if cpu not in ("", "-") else None,
                "client_us": float(client) * 1e6 / messages if client not in ("", "-") else None,
                "rss": int(hwm) / 1024,
                "errors": int(errors),
                "negotiated": negotiated,
            })
    servers = [s for s in TLS_SERVERS if any(k[1] == s for k in cells)]
    servers += sorted({k[1] for k in cells} - set(servers))
    ref = "subetha-17-tls"
    for w in ("W1-TLS", "W2-TLS"):
        if not any(k[0] == w for k in cells):
            continue
        reps = max(len(v) for k, v in cells.items() if k[0] == w)
        print(f"{TLS_WORKLOADS[w]}: medians of {reps} interleaved runs (± half the min–max spread); CPU is the "
              "server process's user+system time per message over the measured run; the client's beside it.")
        print()
        print("| server | msgs/s | × SubEthaSMTP | handshakes/s | server CPU/msg | × SubEthaSMTP | client CPU/msg "
              "| peak RSS | errors | negotiated |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        r_rate, r_cpu = med(cells.get((w, ref), []), "rate"), med(cells.get((w, ref), []), "cpu_us")
        for s in servers:
            runs = cells.get((w, s), [])
            if not runs:
                continue
            rate, cpu = med(runs, "rate"), med(runs, "cpu_us")
            x_rate = f"{rate / r_rate:.2f}×" if rate and r_rate else "–"
            x_cpu = f"{cpu / r_cpu:.2f}×" if cpu and r_cpu else "–"
            negotiated = "; ".join(sorted({r["negotiated"] for r in runs}))
            print(f"| {TLS_LABELS.get(s, s)} | {fmt(rate)}{spread(runs, 'rate')} | {x_rate} | {fmt(med(runs, 'hs'))} "
                  f"| {fmt(cpu)} µs | {x_cpu} | {fmt(med(runs, 'client_us'))} µs | {fmt(med(runs, 'rss'))} MiB "
                  f"| {sum(r['errors'] for r in runs)} | {negotiated} |")
        print()


if __name__ == "__main__":
    if sys.argv[1] == "--tls":
        main_tls(sys.argv[2])
    else:
        main(sys.argv[1])
