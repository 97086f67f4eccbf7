#!/usr/bin/env python3
"""Summarises the run directories of tools/results/emoji.sh (or any runs of `metrix train`/`reproduce`) as
the Markdown table of docs/results.md: per loss and mode, Recall@K after the last epoch as mean ± sample
standard deviation over seeds and the difference of each Metrix mode from its loss's baseline.
Reads each run's config.json and log.jsonl; needs only the standard library.
Usage: python3 tools/results/summarize.py RUNS_DIR [--ks 1,2,4,8]
"""
import argparse
import json
import os
import statistics
from collections import defaultdict


def runs(root):
    for dirpath, _, files in os.walk(root):
        if "config.json" in files and "log.jsonl" in files:
            config = json.load(open(os.path.join(dirpath, "config.json")))
            log = [json.loads(line) for line in open(os.path.join(dirpath, "log.jsonl")) if line.strip()]
            evaluated = [r for r in log if r.get("recall")]
            if evaluated:
                yield config, log, evaluated[-1]


def get(d, *names):
    for n in names:
        if n in d:
            return d[n]
    raise KeyError(names)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("root")
    p.add_argument("--ks", default="1,2,4,8")
    a = p.parse_args()
    ks = a.ks.split(",")
    table = defaultdict(list)
    for config, log, last in runs(a.root):
        mode = get(config, "mode", "Mode")
        if mode == "mochi":  # MoCHi on neg-neg and on anc-neg pairs are two rows
            mode = f"{mode} ({config.get('pairs', '')})"
        key = (get(config, "loss", "Loss"), mode)
        table[key].append((get(config, "seed", "Seed"), {k: last["recall"][k] for k in ks}))

    def cell(values):
        m = statistics.mean(values)
        return f"{m:.1f} ± {statistics.stdev(values):.1f}" if len(values) > 1 else f"{m:.1f}"

    order = {"baseline": 0, "input": 1, "feature": 2, "embed": 3, "imix": 4, "mochi": 5, "ps": 6}
    print("| loss | mode | seeds | " + " | ".join(f"R@{k}" for k in ks) + " | R@1 gain | R@1 per seed |")
    print("|---|---|---|" + "---|" * len(ks) + "---|---|")
    for loss, mode in sorted(table, key=lambda t: (t[0], order.get(t[1].split(" ")[0], 9), t[1])):
        rows = sorted(table[loss, mode])
        r1 = [r[1]["1"] for r in rows]
        base = table.get((loss, "baseline"))
        gain = "" if mode == "baseline" or not base else \
            f"{statistics.mean(r1) - statistics.mean(r[1]['1'] for r in base):+.1f}"
        print(f"| {loss} | {mode} | {','.join(str(r[0]) for r in rows)} | "
              + " | ".join(cell([r[1][k] for r in rows]) for k in ks)
              + f" | {gain} | {', '.join(f'{v:.1f}' for v in r1)} |")


if __name__ == "__main__":
    main()
