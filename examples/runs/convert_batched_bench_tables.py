#!/usr/bin/env python3
"""Converts the llama-batched-bench tables of public-batched-bench-tables.md into llmfit's run schema.

Usage (from the repository root, after building):
    python3 examples/runs/convert_batched_bench_tables.py --llmfit build/cli/llmfit

Each `###` block of the markdown file is one llama-batched-bench output (its settings line, when printed, and
its table) with the block's metadata (`source`, `hardware`, `model` with its quantisation, `era`, `build`,
`note`). The output is read by llmfit's own batched-bench reader (`llmfit validate --hw H --model M --strict
--write-runs`), so the rows are checked as any user's file would be (N_KV against B, PP and TG, each rate
against its time); the block's metadata is then added to every record, and its decode rows are kept.
Writes public-batched-bench-tables.json. Standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = ("source", "hardware", "model", "era", "build", "note")


def blocks(path):
    """Yields (title, metadata, output text) per ### block."""
    title, meta, lines = None, {}, []
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("### "):
                if title is not None:
                    yield title, meta, "\n".join(lines) + "\n"
                title, meta, lines = line[4:].strip(), {}, []
            elif title is None:
                continue
            elif line.startswith("- ") and ":" in line and not lines:
                key, value = line[2:].split(":", 1)
                if key.strip() not in KEYS:
                    sys.exit(f"{path}: block '{title}': unknown key '{key.strip()}'")
                meta[key.strip()] = value.strip()
            elif line.startswith("main: ") or line.startswith("llama_batched_bench: ") or line.startswith("|"):
                lines.append(line)
    if title is not None:
        yield title, meta, "\n".join(lines) + "\n"


def build_line(meta):
    """The block's build as llama.cpp's load log states it ("build: 6918 (2f68ce7cf) with …"), so the reader applies
    what that build's llama-batched-bench did (random or identical decode tokens); empty when the block names no
    numbered build."""
    m = re.fullmatch(r"([0-9a-f]{7,40}) \((\d+)\)", meta.get("build", ""))
    return f"build: {m.group(2)} ({m.group(1)}) with an unstated compiler\n" if m else ""


def convert(llmfit, title, meta, text):
    missing = [k for k in ("source", "hardware", "model", "era") if k not in meta]
    if missing:
        sys.exit(f"block '{title}': missing {', '.join(missing)}")
    with tempfile.TemporaryDirectory() as tmp:
        table = os.path.join(tmp, "batched-bench.md")
        out = os.path.join(tmp, "runs.json")
        with open(table, "w", encoding="utf-8") as f:
            f.write(build_line(meta) + text)
        r = subprocess.run([llmfit, "validate", "--strict", "--hw", meta["hardware"], "--model", meta["model"],
                            table, "--write-runs", out], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"block '{title}': llmfit validate failed:\n{r.stdout}{r.stderr}")
        with open(out, encoding="utf-8") as f:
            records = json.load(f)
    # Decode rows only: a row's prefill is B prompts of PP tokens packed into n_ubatch-token micro-batches, which
    # llmfit's prefill model does not price yet (it prices one prompt's micro-batches), and the first row of each
    # table includes llama.cpp's warm-up (B = 1, PP = 512 prefills slower than B = 2). See
    # public-batched-bench-tables.md.
    records = [rec for rec in records if "decode_tok_s" in rec]
    for rec in records:
        rec["source"] = meta["source"]
        rec["era"] = meta["era"]
        if "build" in meta:
            rec["build"] = meta["build"]
        if "note" in meta:
            rec["note"] = (rec["note"] + "; " if rec.get("note") else "") + meta["note"]
    return records


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--llmfit", default="build/cli/llmfit")
    args = ap.parse_args()
    records = []
    for title, meta, text in blocks(os.path.join(HERE, "public-batched-bench-tables.md")):
        got = convert(args.llmfit, title, meta, text)
        print(f"{title}: {len(got)} runs")
        records += got
    path = os.path.join(HERE, "public-batched-bench-tables.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write("[\n")
        f.write(",\n".join("  " + json.dumps(r, sort_keys=True) for r in records))
        f.write("\n]\n")
    print(f"wrote {path}: {len(records)} runs")


if __name__ == "__main__":
    main()
