#!/usr/bin/env python3
"""Converts the public measured runs in ../shared/data (CSV) into llmfit's run schema (docs/runs-schema.md).

Usage (from the repository root, after building):
    python3 examples/runs/convert_shared_data.py --data ../shared/data --llmfit build/cli/llmfit

The script applies the dataset-specific decisions written below (era of each table, rows excluded and
why), writes draft files with the tables' own slugs, and lets `llmfit validate --write-runs` map them to
catalogue ids and drop what is physically implausible (above the bandwidth or compute roofline). Every
excluded row is listed with its reason in examples/runs/EXCLUDED.md. Standard library only.
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# The Apple table (#4167) was started on build 8e672ef (2023-11-21); chips released later were
# necessarily measured on later builds. The era of such a row is the chip's release year (a lower bound).
APPLE_RELEASE_YEAR = {
    "m4": "2024", "m4-10c": "2024", "m4-pro": "2024", "m4-pro-16c": "2024", "m4-pro-20c": "2024",
    "m4-max-32c": "2024", "m4-max-40c": "2024", "m3-ultra-60c": "2025", "m3-ultra-80c": "2025",
}
LLAMA1_NOTE = {"llama-7b": "LLaMA 1 7B; mapped to llama-2-7b (identical architecture)",
               "llama-13b": "LLaMA 1 13B; mapped to llama-2-13b (identical architecture)"}


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def record(row, era, build="", note="", depth=None):
    """One run in llmfit's schema; hardware and model keep the table's slugs (llmfit maps them)."""
    n_prompt = int(row["n_prompt"]) if row["n_prompt"] else None
    n_gen = int(row["n_gen"])
    rec = {"hardware": row["hardware"], "model": row["model"], "quant": row["quant"].lower(),
           "backend": "llama.cpp", "api": row["backend"]}
    if row["test"] == "pp":
        rec.update({"n_prompt": n_prompt, "n_gen": 0, "n_depth": 0, "prefill_tok_s": float(row["tok_s"])})
    else:
        # tg rows keep the context depth in n_prompt.
        rec.update({"n_prompt": 0, "n_gen": n_gen, "n_depth": n_prompt if depth is None else depth,
                    "decode_tok_s": float(row["tok_s"])})
    rec["era"] = era
    if build:
        rec["build"] = build
    rec["source"] = row["source"]
    notes = [n for n in (note, LLAMA1_NOTE.get(row["model"], "")) if n]
    if notes:
        rec["note"] = "; ".join(notes)
    return rec


def convert_apple(rows, keep, drop):
    for i, row in enumerate(rows):
        era = APPLE_RELEASE_YEAR.get(row["hardware"], "2023")
        note = ("measured on a build no older than the chip (released " + era + "); the table gives no per-row build"
                if era != "2023" else "reference build 8e672ef (2023-11-21); per-row builds not given")
        keep.append((i, record(row, era, note=note)))


def convert_cuda(rows, keep, drop):
    for i, row in enumerate(rows):
        build = re.search(r"\(build ([0-9a-f]+)", row["source"])
        keep.append((i, record(row, "2025", build=build.group(1) if build else "")))


def convert_xiongjiedai(rows, keep3, keep2, drop):
    for i, row in enumerate(rows):
        src = row["source"]
        if "aa72e0e" in src:  # LLaMA 3 llama-bench tables, May 2024
            if row["test"] == "pp" and row["quant"] == "F16" and re.sub(r"-x\d+$", "", row["hardware"]) in ("a100-80gb-sxm", "l40s"):
                drop.append((i, row, "F16 pp far below the same card's Q4_K_M pp and below other cards' F16 "
                                     "(about 600 and 2,500 t/s; the x4 rows show the same anomaly): an oddity the "
                                     "data README names"))
                continue
            keep3.append((i, record(row, "2024", note="llama-bench; build not given, flash attention off (default then)")))
            continue
        # LLaMA 1/2 ./main tables, Dec 2023.
        if row["model"] not in ("llama-7b", "llama-13b", "llama-2-7b", "llama-2-13b", "llama-2-70b"):
            drop.append((i, row, "model not in the catalogue (LLaMA 1 30B/65B)"))
            continue
        if re.search(r"-x\d+$", row["hardware"]):
            drop.append((i, row, "multi-GPU before llama.cpp's --split-mode (Jan 2024) split every matrix by rows "
                                 "across cards (tensor parallel with a sync per matrix); llmfit models layer split. "
                                 "Two such rows even exceed the layer-split bandwidth roofline"))
            continue
        if row["test"] == "pp":
            drop.append((i, row, "prefill of a short prompt of unknown length (./main): tokens/s cannot be modelled"))
            continue
        keep2.append((i, record(row, "2023", depth=0,
                                note="./main -n 1024 after a short prompt of unstated length; depth taken as 0 "
                                     "(a few dozen prompt tokens change the KV read by under 1 %)")))


def run_llmfit(llmfit, draft_records, final_path):
    """Writes the draft, lets llmfit map and check it, returns the runs it skipped {index: reason}."""
    with tempfile.TemporaryDirectory() as tmp:
        draft = os.path.join(tmp, "draft.json")
        with open(draft, "w", encoding="utf-8") as f:
            json.dump(draft_records, f)
        result = subprocess.run([llmfit, "validate", draft, "--format", "json", "--write-runs", final_path],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            sys.exit("llmfit validate failed: " + result.stderr.strip())
        report = json.loads(result.stdout)
    return {s["index"]: s["reason"] for s in report["skipped"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data"))
    parser.add_argument("--llmfit", default=os.path.join(HERE, "..", "..", "build", "cli", "llmfit"))
    args = parser.parse_args()

    sources = {
        "llamacpp-4167-apple-silicon.json": "llamacpp-discussion-4167-apple-silicon.csv",
        "llamacpp-15013-cuda.json": "llamacpp-discussion-cuda-15013.csv",
        "xiongjiedai-llama3-2024.json": "xiongjiedai-gpu-benchmarks-llm-inference.csv",
        "xiongjiedai-llama2-2023.json": "xiongjiedai-gpu-benchmarks-llm-inference.csv",
    }
    tables = {name: read(os.path.join(args.data, name)) for name in set(sources.values())}
    keep = {out: [] for out in sources}
    drops = {name: [] for name in tables}
    convert_apple(tables[sources["llamacpp-4167-apple-silicon.json"]], keep["llamacpp-4167-apple-silicon.json"], None)
    convert_cuda(tables[sources["llamacpp-15013-cuda.json"]], keep["llamacpp-15013-cuda.json"], None)
    x = sources["xiongjiedai-llama3-2024.json"]
    convert_xiongjiedai(tables[x], keep["xiongjiedai-llama3-2024.json"], keep["xiongjiedai-llama2-2023.json"], drops[x])

    lines = []
    total_kept = 0
    for out, csv_name in sources.items():
        final_path = os.path.join(HERE, out)
        skipped = run_llmfit(args.llmfit, [rec for _, rec in keep[out]], final_path)
        for draft_index, reason in sorted(skipped.items()):
            row_index, _ = keep[out][draft_index]
            drops[csv_name].append((row_index, tables[csv_name][row_index], "llmfit: " + reason))
        with open(final_path, encoding="utf-8") as f:
            kept = len(json.load(f))
        total_kept += kept
        lines.append(f"| `{out}` | `{csv_name}` | {kept} |")

    with open(os.path.join(HERE, "EXCLUDED.md"), "w", encoding="utf-8") as f:
        f.write("# Rows of ../shared/data not converted, and why\n\n")
        f.write("Generated by `convert_shared_data.py`; row numbers count data rows from 0 (header excluded).\n\n")
        f.write("| files written | from | runs |\n|---|---|---|\n" + "\n".join(lines) + "\n\n")
        for csv_name, dropped in drops.items():
            if not dropped:
                continue
            f.write(f"## {csv_name}: {len(dropped)} rows\n\n| row | hardware | model | quant | test | n_prompt | n_gen | tok/s | reason |\n")
            f.write("|---|---|---|---|---|---|---|---|---|\n")
            for i, row, reason in sorted(dropped, key=lambda d: d[0]):
                f.write(f"| {i} | {row['hardware']} | {row['model']} | {row['quant']} | {row['test']} | "
                        f"{row['n_prompt']} | {row['n_gen']} | {row['tok_s']} | {reason} |\n")
            f.write("\n")
    print(f"{total_kept} runs written; exclusions in {os.path.join(HERE, 'EXCLUDED.md')}")


if __name__ == "__main__":
    main()
