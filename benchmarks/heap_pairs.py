"""Summary of heap-pairs.sh's runs: medians, and the per-round ratios B/A with a 95 % bootstrap interval.

usage: python3 heap_pairs.py heap-pairs.csv "label of A" "label of B"

The interval resamples the JVM pairs first and then the rounds inside each: a JVM's JIT outcome stays with all of
its rounds, so treating its rounds as independent would make the interval look tighter than the runs allow.
"""
import csv
import random
import statistics
import sys
from collections import defaultdict


def load(path):
    runs = defaultdict(dict)
    for row in csv.DictReader(open(path)):
        messages = float(row["messages"])
        runs[(int(row["jvm"]), int(row["round"]))][row["side"]] = {
            "rate": messages / float(row["seconds"]),
            "cpu_us": float(row["cpu_seconds"]) * 1e6 / messages,
            "seconds": float(row["seconds"]),
            "gc": float(row["gc_seconds"]),
            # Older files have no per-thread columns.
            "gc_threads_us": float(row.get("gc_threads_cpu_seconds") or "nan") * 1e6 / messages,
            "jit_us": float(row.get("jit_cpu_seconds") or "nan") * 1e6 / messages,
            "switches": float(row.get("context_switches") or "nan") / messages,
        }
    return {key: sides for key, sides in runs.items() if "A" in sides and "B" in sides}


def by_jvm(rounds, ratio):
    jvms = defaultdict(list)
    for (jvm, _), sides in sorted(rounds.items()):
        jvms[jvm].append(ratio(sides["A"], sides["B"]))
    return jvms


def interval(jvms, draws=4000, seed=1):
    rng = random.Random(seed)
    keys = list(jvms)
    medians = []
    for _ in range(draws):
        sample = []
        for jvm in rng.choices(keys, k=len(keys)):
            sample.extend(rng.choices(jvms[jvm], k=len(jvms[jvm])))
        medians.append(statistics.median(sample))
    medians.sort()
    return medians[int(0.025 * draws)], medians[int(0.975 * draws) - 1]


def main():
    path, label_a, label_b = sys.argv[1:4]
    rounds = load(path)
    if not rounds:
        sys.exit(f"no complete rounds in {path}")
    a = [sides["A"] for sides in rounds.values()]
    b = [sides["B"] for sides in rounds.values()]
    rate = by_jvm(rounds, lambda x, y: y["rate"] / x["rate"])
    cpu = by_jvm(rounds, lambda x, y: y["cpu_us"] / x["cpu_us"])
    all_rate = [r for ratios in rate.values() for r in ratios]
    all_cpu = [r for ratios in cpu.values() for r in ratios]
    low, high = interval(rate)
    cpu_low, cpu_high = interval(cpu)

    def gc_share(runs):
        return 100 * sum(run["gc"] for run in runs) / sum(run["seconds"] for run in runs)

    print(f"{len(rate)} pairs of JVMs, {len(rounds)} rounds; {label_a}; {label_b}")
    print()
    print("| | A | B | B/A, median of the rounds (95 % interval) |")
    print("|---|---|---|---|")
    print(f"| W1 msgs/s, median | {statistics.median(r['rate'] for r in a):,.0f} "
          f"| {statistics.median(r['rate'] for r in b):,.0f} "
          f"| **{statistics.median(all_rate):.3f}×** ({low:.3f}–{high:.3f}) |")
    print(f"| CPU per message, median | {statistics.median(r['cpu_us'] for r in a):.1f} µs "
          f"| {statistics.median(r['cpu_us'] for r in b):.1f} µs "
          f"| {statistics.median(all_cpu):.3f}× ({cpu_low:.3f}–{cpu_high:.3f}) |")
    for key, name in (("gc_threads_us", "of it GC threads (G1, VM thread)"), ("jit_us", "of it JIT compilers")):
        x = [r[key] for r in a if r[key] == r[key]]
        y = [r[key] for r in b if r[key] == r[key]]
        if x and y:
            print(f"| {name}, median | {statistics.median(x):.1f} µs | {statistics.median(y):.1f} µs | |")
    x = [r["switches"] for r in a if r["switches"] == r["switches"]]
    y = [r["switches"] for r in b if r["switches"] == r["switches"]]
    if x and y:
        print(f"| context switches per message, median | {statistics.median(x):.2f} | {statistics.median(y):.2f} | |")
    print(f"| GC pauses, share of the runs | {gc_share(a):.1f} % | {gc_share(b):.1f} % | |")
    print()
    print("Rate ratio B/A by pair of JVMs (median of its rounds; lowest, highest):",
          "; ".join(f"{statistics.median(r):.2f} ({min(r):.2f}, {max(r):.2f})" for r in rate.values()))


if __name__ == "__main__":
    main()
