#!/usr/bin/env python3
"""Summarises tools/bench/compare.sh output (JSON lines) as the Markdown tables of docs/performance.md.

Per configuration and engine: the median over rounds of each run's median step time, with the range of the
rounds; the ratio PyTorch / ours (above 1: ours is faster); Metrix modes against our own baseline.
Usage: /usr/bin/python3 tools/bench/summarize.py results.jsonl
"""
import json
import statistics
import sys
from collections import defaultdict


def engine(r):
    return "metrix" if r["engine"] == "metrix" else "pytorch"


def main(path):
    runs = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
    steps = defaultdict(list)
    gemm = defaultdict(dict)
    for r in runs:
        if r["benchmark"] == "gemm":
            for row in r["results"]:
                gemm[row["shape"]][engine(r)] = row
            continue
        key = (r["model"], r["batch"], r["size"], r["mode"], r["pairs"] if r["mode"] != "baseline" else "-")
        steps[key, engine(r)].append(r)

    print("| model | batch | size | mode | pairs | ours ms (range) | PyTorch ms (range) | PyTorch / ours | ours peak MB | PyTorch peak MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    base = {}
    for (key, eng) in sorted(steps):
        if eng != "metrix":
            continue
        ours = [r["median_step_ms"] for r in steps[key, "metrix"]]
        theirs = [r["median_step_ms"] for r in steps.get((key, "pytorch"), [])]
        om = statistics.median(ours)
        tm = statistics.median(theirs) if theirs else float("nan")
        if key[3] == "baseline":
            base[key[:3]] = (om, tm)
        peak_o = max(r["peak_memory_mb"] for r in steps[key, "metrix"])
        peak_t = max((r["peak_memory_mb"] for r in steps.get((key, "pytorch"), [])), default=float("nan"))
        print(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {key[4]} | {om:.0f} ({min(ours):.0f}–{max(ours):.0f}) | "
              f"{tm:.0f} ({min(theirs, default=float('nan')):.0f}–{max(theirs, default=float('nan')):.0f}) | {tm / om:.2f} | {peak_o:.0f} | {peak_t:.0f} |")

    print()
    print("| mode | pairs | ours ms | ours vs our baseline | PyTorch ms | PyTorch vs its baseline | PyTorch / ours |")
    print("|---|---|---|---|---|---|---|")
    for (key, eng) in sorted(steps):
        if eng != "metrix" or key[3] == "baseline" or key[:3] not in base:
            continue
        om = statistics.median(r["median_step_ms"] for r in steps[key, "metrix"])
        tm = statistics.median(r["median_step_ms"] for r in steps.get((key, "pytorch"), [{"median_step_ms": float("nan")}]))
        bo, bt = base[key[:3]]
        print(f"| {key[3]} | {key[4]} | {om:.0f} | {100 * (om / bo - 1):+.0f}% | {tm:.0f} | {100 * (tm / bt - 1):+.0f}% | {tm / om:.2f} |")

    if gemm:
        print()
        print("| shape | op | M | N | K | ours GFLOP/s | torch.matmul GFLOP/s |")
        print("|---|---|---|---|---|---|---|")
        for shape, e in gemm.items():
            o, t = e.get("metrix", {}), e.get("pytorch", {})
            row = o or t
            print(f"| {shape} | {row.get('op', 'NN')} | {row['m']} | {row['n']} | {row['k']} | {o.get('gflops', float('nan'))} | {t.get('gflops', float('nan'))} |")


if __name__ == "__main__":
    main(sys.argv[1])
