#!/usr/bin/env python3
"""Cross-validated error of `llmfit calibrate --format json` by engine × device API and by source file.

Usage (from the repository root, after building):
    build/cli/llmfit calibrate examples/runs/*.json --format json > /tmp/cal.json
    python3 examples/runs/cv_by_group.py /tmp/cal.json

Prints, per group and test, the runs, the leave-one-hardware-out MAPE (each run predicted by a fit without
its chip) and the mean signed error (+ = predicted too fast). Standard library only.
"""
import json
import sys
from collections import defaultdict


def summary(pairs):
    ape = [abs(p - m) / m * 100 for p, m in pairs]
    signed = [(p - m) / m * 100 for p, m in pairs]
    return len(pairs), sum(ape) / len(ape), sum(signed) / len(signed)


def main():
    report = json.load(open(sys.argv[1], encoding="utf-8"))
    groups = defaultdict(list)
    for run in report["runs"]:
        if run.get("predicted_cv") is None:
            continue
        pair = (run["predicted_cv"], run["measured"])
        test = run["test"] + (" B>1" if run.get("batch", 1) > 1 else "")  # batched runs apart from batch 1
        groups[("engine · API", f"{run['backend']} · {run['api']}", test)].append(pair)
        groups[("source file", run["file"].split("/")[-1], test)].append(pair)
        groups[("all", "pooled", test)].append(pair)
        if run.get("batch", 1) > 1:
            groups[("hardware", f"{run['backend']} · {run['hardware']}", test)].append(pair)
    print(f"{'by':<13} {'group':<40} {'test':<8} {'runs':>5} {'LOHO MAPE':>10} {'signed':>8}")
    for (kind, name, test), pairs in sorted(groups.items()):
        n, mape, signed = summary(pairs)
        print(f"{kind:<13} {name:<40} {test:<8} {n:>5} {mape:>9.1f}% {signed:>+7.1f}%")


if __name__ == "__main__":
    main()
