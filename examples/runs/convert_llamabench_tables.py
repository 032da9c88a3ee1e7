#!/usr/bin/env python3
"""Converts published llama-bench tables (its default markdown output) into llmfit's run schema.

Usage (from the repository root, after building):
    python3 examples/runs/convert_llamabench_tables.py --llmfit build/cli/llmfit \
        [--strix-halo GIT_DIR] [--intel-b70 GIT_DIR]

Inputs:
  - examples/runs/public-llamabench-tables.md: tables transcribed from llama.cpp pull requests, discussions
    and issues, each under a heading with its source, machine, era and the model each `model` column names
    (the column says "llama 8B Q4_K - Medium", not which checkpoint; the command lines name the files).
  - examples/runs/public-llamabench-cpu-tables.md: the same for llama.cpp's CPU backend; every row keeps its
    thread count (the `threads` column, or a block's `- threads:` line when the source states it once).
  - --strix-halo: a clone of github.com/kyuz0/amd-strix-halo-toolboxes (its benchmark/results/*.log are
    llama-bench's own output, one model x toolbox per file, the model in the file name).
  - --intel-b70: a clone of github.com/kyuz0/intel-b70-ai-toolboxes (benchmark/llamacpp-bench-b70/*.log).

Writes public-llamabench-tables.json and public-llamabench-cpu.json (the transcribed tables), kyuz0-strix-halo-rocm-vulkan.json and
kyuz0-intel-b70-sycl-vulkan.json, each checked with `llmfit validate --strict` (a record llmfit cannot use is
an error here, not a skip); rows not converted are listed with their reason in EXCLUDED-llamabench-tables.md.
Standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GIB = 1024 ** 3

# llama-bench's model_type quantisation (llama_model_ftype_name) -> catalogue quantisation id.
FTYPE = {
    "F32": "f32", "F16": "f16", "BF16": "bf16", "Q8_0": "q8_0", "Q4_0": "q4_0", "Q4_1": "q4_1", "Q5_0": "q5_0",
    "Q5_1": "q5_1", "Q6_K": "q6_k", "Q5_K - Medium": "q5_k_m", "Q5_K - Small": "q5_k_s", "Q4_K - Medium": "q4_k_m",
    "Q4_K - Small": "q4_k_s", "Q3_K - Medium": "q3_k_m", "Q3_K - Large": "q3_k_l", "Q3_K - Small": "q3_k_s",
    "Q2_K - Medium": "q2_k", "IQ4_XS - 4.25 bpw": "iq4_xs", "IQ4_NL - 4.5 bpw": "iq4_nl",
    "IQ3_S - 3.4375 bpw": "iq3_s", "IQ3_S mix - 3.66 bpw": "iq3_m", "IQ3_XXS - 3.0625 bpw": "iq3_xxs",
    "IQ2_M - 2.7 bpw": "iq2_m", "IQ2_XS - 2.3125 bpw": "iq2_xs", "IQ2_XXS - 2.0625 bpw": "iq2_xxs",
    "IQ1_S - 1.5625 bpw": "iq1_s", "MXFP4 MoE": "mxfp4_moe",
    # scripts/compare-llama-bench.py abbreviates the K-quant mixes
    "Q4_K_M": "q4_k_m", "Q4_K_S": "q4_k_s", "Q5_K_M": "q5_k_m", "Q5_K_S": "q5_k_s", "Q3_K_M": "q3_k_m",
}
# llama-bench's backend column -> device API (BLAS and RPC are not device APIs).
APIS = {"vulkan": "vulkan", "rocm": "rocm", "hip": "rocm", "sycl": "sycl", "cuda": "cuda", "metal": "metal", "cpu": "cpu"}
KV_TYPES = {"f16", "bf16", "q8_0", "q4_0", "f32"}


def catalogue_layers(llmfit):
    out = subprocess.run([llmfit, "list", "models"], capture_output=True, text=True, check=True).stdout
    layers = {}
    for line in out.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5 and parts[4].isdigit():
            layers[parts[0]] = int(parts[4])
    return layers


def parse_test(text):
    """'pp512', 'tg128', 'pp2048 @ d32768', 'pp 512' -> (kind, tokens, depth)."""
    m = re.fullmatch(r"(pp|tg)\s*(\d+)(?:\s*@\s*d(\d+))?", text.strip())
    if not m:
        return None
    return m.group(1), int(m.group(2)), int(m.group(3) or 0)


def parse_rate(text):
    m = re.fullmatch(r"([0-9.]+)(?:\s*[±+]\s*([0-9.]+))?", text.strip())  # some tables print '+' for '±'
    if not m:
        return None, None
    return float(m.group(1)), (float(m.group(2)) if m.group(2) else None)


def table_rows(text):
    """Yields (line number, {column: cell}) for every data row of every llama-bench markdown table."""
    header = None
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if header is None:
            if "model" in cells and "test" in cells and "t/s" in cells:
                header = cells
            continue
        if all(re.fullmatch(r":?-+:?", c) for c in cells):
            continue
        if len(cells) != len(header):
            yield n, None
            continue
        yield n, dict(zip(header, cells))


def build_of(text):
    m = re.search(r"build: ([0-9a-f]+) \((\d+)\)", text)
    return f"b{m.group(2)} {m.group(1)}" if m else ""


def convert(text, meta, models, layers, keep, drop, where, line0=None):
    """Appends the records of one table text: meta holds hardware, source, era, note, optional api/build/ubatch."""
    build = meta.get("build") or build_of(text)
    for n, row in table_rows(text):
        loc = f"{where}:{line0 + n - 1}" if line0 is not None else where
        if row is None:
            drop.append((loc, "", "row does not have the header's columns"))
            continue
        mtype = row["model"]
        label = f"{mtype} | {row.get('backend', '')} | {row['test']} | {row['t/s']}"
        excluded = next((reason for pattern, reason in meta.get("exclude", []) if re.search(pattern, label)), None)
        if excluded:
            drop.append((loc, label, excluded))
            continue
        test = parse_test(row["test"])
        if test is None:
            drop.append((loc, label, "combined or unknown test (pp+tg mixes both in one rate)"))
            continue
        kind, tokens, depth = test
        rate, std = parse_rate(row["t/s"])
        if rate is None or rate <= 0:
            drop.append((loc, label, "no rate"))
            continue
        if std is not None and std > rate / 3:
            drop.append((loc, label, "standard deviation above a third of the rate: a noisy run, not one speed"))
            continue
        qm = re.match(r"(.*?)\s+(\d[\d.]*[BM](?:\.A\d[\d.]*[BM])?|\?B)\s+(.*)$", mtype)
        ftype = qm.group(3).replace("mostly ", "") if qm else ""
        if ftype not in FTYPE:  # a cell "<file name> <type>" (a table that names the file, not the architecture)
            ftype = next((k for k in sorted(FTYPE, key=len, reverse=True) if mtype.endswith(" " + k)), ftype)
        quant = FTYPE.get(ftype)
        model = None
        for key, target in models:
            if key == mtype or mtype.startswith(key + " ") or (key.endswith("*") and mtype.startswith(key[:-1])):
                model = target
                break
        if model is None:
            drop.append((loc, label, "model not mapped to a catalogue model (not in the catalogue or not named by the source)"))
            continue
        if quant is None:
            drop.append((loc, label, f"quantisation '{ftype}' is no catalogue type"))
            continue
        backend = row.get("backend", "")
        api = meta.get("api")
        if not api:
            apis = [APIS[b.strip().lower()] for b in backend.split(",") if b.strip().lower() in APIS]
            api = apis[0] if len(apis) == 1 else None
        if not api:
            drop.append((loc, label, f"backend '{backend}' names no single device API"))
            continue
        if (api == "cpu") != bool(meta.get("cpu_tables")):
            drop.append((loc, label, "CPU backend row (this file collects GPU device APIs)" if api == "cpu"
                         else "GPU row in the CPU tables"))
            continue
        if api == "cpu" and "blas" in backend.lower():
            drop.append((loc, label, "BLAS build: prefill goes through the BLAS library, not llama.cpp's CPU kernels"))
            continue
        threads = row.get("threads") or meta.get("threads")
        if api == "cpu" and not (threads or "").isdigit():
            drop.append((loc, label, "CPU row without its thread count (llama-bench -t): a run condition of the CPU backend"))
            continue
        ngl = row.get("ngl", "0" if api == "cpu" else "99")
        if api == "cpu" and ngl != "0" and ngl.isdigit():
            drop.append((loc, label, f"ngl {ngl} on the CPU backend: layers offloaded to an accelerator, not the CPU alone"))
            continue
        if api != "cpu" and (not ngl.isdigit() or int(ngl) < layers.get(model, 999)):
            drop.append((loc, label, f"ngl {ngl} below the model's {layers.get(model)} layers: partial offload, not modelled"))
            continue
        tk, tv = row.get("type_k", "f16"), row.get("type_v", "f16")
        if tk != tv or tk not in KV_TYPES:
            drop.append((loc, label, f"KV types {tk}/{tv}: not one type llmfit models"))
            continue
        if row.get("sm", "layer") not in ("layer", "none") or row.get("nkvo", "0") != "0":
            drop.append((loc, label, "row split or KV cache not offloaded: not modelled"))
            continue
        rec = {"hardware": meta["hardware"], "model": model, "quant": quant, "backend": "llama.cpp", "api": api}
        if kind == "pp":
            rec.update({"n_prompt": tokens, "n_gen": 0, "n_depth": depth, "prefill_tok_s": rate})
            if std is not None:
                rec["prefill_stddev_tok_s"] = std
        else:
            rec.update({"n_prompt": 0, "n_gen": tokens, "n_depth": depth, "decode_tok_s": rate})
            if std is not None:
                rec["decode_stddev_tok_s"] = std
        if tk != "f16":
            rec["kv_type"] = tk
        if api == "cpu":
            rec["n_threads"] = int(threads)
        if "fa" in row:
            rec["flash_attn"] = row["fa"] == "1"
        elif "flash_attn" in meta:
            rec["flash_attn"] = meta["flash_attn"]
        ub = row.get("n_ubatch") or meta.get("n_ubatch")
        if ub:
            rec["n_ubatch"] = int(ub)
        size = re.fullmatch(r"([0-9.]+) (GiB|MiB)", row.get("size", ""))
        if size:
            rec["weight_bytes"] = round(float(size.group(1)) * (GIB if size.group(2) == "GiB" else GIB / 1024))
        params = re.fullmatch(r"([0-9.]+) B", row.get("params", ""))
        if params:
            rec["params"] = float(params.group(1)) * 1e9
        if api == "vulkan" and meta.get("vulkan_driver"):
            rec["vulkan_driver"] = meta["vulkan_driver"]
        if build:
            rec["build"] = build
        rec["era"] = meta["era"]
        rec["source"] = meta["source"]
        notes = [meta.get("note", ""), meta.get("model_note", {}).get(model, "")]
        if "fa" not in row and "flash_attn" not in meta:
            notes.append("no fa column: llama-bench's default then (off)")
        rec["note"] = "; ".join(x for x in notes if x)
        if not rec["note"]:
            del rec["note"]
        keep.append(rec)


# ------------------------------------------------------------------------------------------------
# examples/runs/public-llamabench-tables.md: '### title' blocks with '- key: value' lines, then the table.

def read_transcribed(path, layers, keep, drop, cpu_tables=False):
    """cpu_tables: the file holds CPU backend tables (each row keeps its thread count), not GPU ones."""
    text = open(path, encoding="utf-8").read()
    blocks = re.split(r"^### ", text, flags=re.M)[1:]
    line0 = 1 + text[: text.find("### ")].count("\n")
    for block in blocks:
        title = block.splitlines()[0].strip()
        meta, models, model_note = {}, [], {}
        for line in block.splitlines()[1:]:
            m = re.match(r"- (\w+): (.*)$", line)
            if not m:
                continue
            key, value = m.group(1), m.group(2).strip()
            if key == "model":  # "<model column> = <catalogue id>[ (note)]"
                mm = re.fullmatch(r"(.+?) = ([a-z0-9.\-]+)(?: \((.*)\))?", value)
                models.append((mm.group(1), mm.group(2)))
                if mm.group(3):
                    model_note[mm.group(2)] = mm.group(3)
            elif key == "flash_attn":
                meta[key] = value == "on"
            elif key == "exclude":  # "<regex on 'model | backend | test | t/s'> = <reason>"
                pattern, reason = value.split(" = ", 1)
                meta.setdefault("exclude", []).append((pattern, reason))
            else:
                meta[key] = value
        meta["model_note"] = model_note
        meta["cpu_tables"] = cpu_tables
        for need in ("hardware", "source", "era"):
            if need not in meta:
                sys.exit(f"{path}: block '{title}' lacks '- {need}:'")
        convert(block, meta, models, layers, keep, drop, os.path.basename(path), line0)
        line0 += block.count("\n")


# ------------------------------------------------------------------------------------------------
# kyuz0's toolbox repositories: one llama-bench log per model x toolbox; the model is the file name.

KYUZ0_MODELS = [  # file-name prefix -> catalogue id (params and file size are checked by llmfit)
    ("llama-2-7b.Q4_0", "llama-2-7b"), ("gpt-oss-20b-mxfp4", "gpt-oss-20b"), ("gpt-oss-120b-mxfp4", "gpt-oss-120b"),
    ("gemma-4-26B-A4B-it", "gemma-4-26b-a4b"), ("gemma-4-31B-it", "gemma-4-31b"), ("GLM-4.7-Flash", "glm-4.7-flash"),
    ("Ministral-3-14B-Instruct-2512", "ministral-3-14b"), ("Ministral-3-8B-Instruct-2512", "ministral-3-8b"),
    ("NVIDIA-Nemotron-3-Super-120B-A12B", "nemotron-3-super-120b-a12b"),
    ("Nemotron-3-Nano-30B-A3B", "nemotron-3-nano-30b-a3b"), ("Qwen3.5-122B-A10B", "qwen3.5-122b-a10b"),
    ("Qwen3.5-9B", "qwen3.5-9b"), ("Qwen3.6-27B", "qwen3.6-27b"), ("Qwen3.6-35B-A3B", "qwen3.6-35b-a3b"),
]
UD_NOTE = {"Q8_K_XL": "unsloth UD-Q8_K_XL (Q8_0 with some tensors kept in BF16): q8_0 with the file's size",
           "Q4_K_XL": "unsloth UD-Q4_K_XL (a K-quant mix llama-bench calls Q4_K - Medium): q4_k_m with the file's size"}


def git_files(git_dir, commit, folder):
    out = subprocess.run(["git", "-C", git_dir, "ls-tree", "--name-only", f"{commit}:{folder}"],
                         capture_output=True, text=True, check=True).stdout
    return [f for f in out.split() if f.endswith(".log")]


def git_show(git_dir, commit, path):
    return subprocess.run(["git", "-C", git_dir, "show", f"{commit}:{path}"], capture_output=True, text=True,
                          check=True).stdout


def read_kyuz0(git_dir, commit, folder, hardware, envs, source, era, note, layers, keep, drop, exclude=()):
    """envs: toolbox name -> (api, note); logs of other toolboxes are listed as excluded."""
    for name in sorted(git_files(git_dir, commit, folder)):
        stem = name[:-4]
        parts = stem.split("__")
        model_file, env = parts[0], parts[1]
        where = f"{source.split(' ')[0]}/{name}"
        if env not in envs:
            drop.append((where, "", f"toolbox '{env}': another build of an API kept from one toolbox "
                                    f"({', '.join(sorted(envs))}); near-identical rows would count the chip twice"))
            continue
        api, env_note = envs[env]
        model = next((t for k, t in KYUZ0_MODELS if model_file.startswith(k)), None)
        text = git_show(git_dir, commit, f"{folder}/{name}")
        if model is None:
            drop.append((where, model_file, "model not in the catalogue"))
            continue
        ud = re.search(r"UD-(Q\d_K_XL)", model_file)
        meta = {"hardware": hardware, "api": api, "source": source, "era": era,
                "note": "; ".join(x for x in (f"toolbox {env}", env_note, note, UD_NOTE.get(ud.group(1)) if ud else "",
                                             f"file {model_file}") if x),
                "exclude": list(exclude)}
        driver = re.match(r"vulkan_(radv|amdvlk)", env)  # the toolbox names the Vulkan driver
        if driver:
            meta["vulkan_driver"] = driver.group(1)
        elif api == "vulkan" and "Mesa ANV" in env_note:  # the Intel toolbox's one Vulkan driver
            meta["vulkan_driver"] = "anv"
        # llama-bench prints the n_ubatch column only when it is not the default 512.
        convert(text, meta, [(r"*", model)], layers, keep, drop, where)


def llmfit_skips(llmfit, path):
    """Index -> reason of the records `llmfit validate` cannot use (a stated file size or parameter count
    that disagrees with the catalogue, a speed above the roofline)."""
    r = subprocess.run([llmfit, "validate", "--format", "json", path], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"llmfit validate {path} failed:\n{r.stdout}{r.stderr}")
    return {s["index"]: s["reason"] for s in json.loads(r.stdout)["skipped"]}


def validate(llmfit, path):
    r = subprocess.run([llmfit, "validate", "--strict", path], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"llmfit validate --strict {path} failed:\n{r.stdout}{r.stderr}")


def write(path, records):
    with open(path, "w", encoding="utf-8") as f:
        f.write("[\n")
        f.write(",\n".join("  " + json.dumps(r, sort_keys=True) for r in records))
        f.write("\n]\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--llmfit", default="build/cli/llmfit")
    ap.add_argument("--strix-halo", help="git dir of github.com/kyuz0/amd-strix-halo-toolboxes")
    ap.add_argument("--intel-b70", help="git dir of github.com/kyuz0/intel-b70-ai-toolboxes")
    args = ap.parse_args()
    layers = catalogue_layers(args.llmfit)
    outputs, drops = [], []

    keep, drop = [], []
    read_transcribed(os.path.join(HERE, "public-llamabench-tables.md"), layers, keep, drop)
    outputs.append(("public-llamabench-tables.json", keep))
    drops.append(("public-llamabench-tables.md", drop))

    keep, drop = [], []
    read_transcribed(os.path.join(HERE, "public-llamabench-cpu-tables.md"), layers, keep, drop, cpu_tables=True)
    outputs.append(("public-llamabench-cpu.json", keep))
    drops.append(("public-llamabench-cpu-tables.md", drop))

    if args.strix_halo:
        commit = "08aa7bc"  # 2026-05-18: results of 16 May 2026, llama.cpp b9187-b9193
        keep, drop = [], []
        read_kyuz0(args.strix_halo, commit, "benchmark/results", "ryzen-ai-max-395",
                   {"rocm-7_2_3": ("rocm", "ROCm 7.2.3 release"), "vulkan_radv": ("vulkan", "Mesa RADV")},
                   f"https://github.com/kyuz0/amd-strix-halo-toolboxes/tree/{commit}/benchmark/results "
                   "(viewer: https://kyuz0.github.io/amd-strix-halo-toolboxes/)", "2026",
                   "Ryzen AI Max+ 395 (Radeon 8060S, gfx1151), 128 GB LPDDR5X-8000; -ngl 99 -mmp 0; "
                   "long-context rows -p 2048 -n 32 -d 32768/65536", layers, keep, drop)
        outputs.append(("kyuz0-strix-halo-rocm-vulkan.json", keep))
        drops.append(("github.com/kyuz0/amd-strix-halo-toolboxes", drop))

    if args.intel_b70:
        commit = "8892644"
        keep, drop = [], []
        read_kyuz0(args.intel_b70, commit, "benchmark/llamacpp-bench-b70", "arc-pro-b70",
                   {"sycl": ("sycl", "oneAPI SYCL build"), "vulkan": ("vulkan", "Mesa ANV")},
                   f"https://github.com/kyuz0/intel-b70-ai-toolboxes/tree/{commit}/benchmark/llamacpp-bench-b70",
                   "2026", "Intel Arc Pro B70 (32 GB); -ngl 99; long-context rows -p 2048 -n 32 -d 16384", layers, keep, drop,
                   [(r"BF16 \| SYCL", "SYCL BF16: decode 5-6x slower than the same file on Vulkan on this card (3.4 vs 19.3 tok/s "
                                      "for Ministral 3 14B): BF16 matrix products take a slow path in the SYCL backend, an op "
                                      "fallback llmfit does not model"),
                    (r"^nemotron_h_moe .*\| SYCL \|", "Nemotron 3 Nano on SYCL: build b9039 (logs of 2026-05-06) predates SSM_SCAN in "
                                                       "the SYCL backend (llama.cpp PR #22149, 2026-05-07; ggml-sycl.cpp supports_op before it has "
                                                       "SSM_CONV but not SSM_SCAN), so its 23 Mamba-2 scans ran on the CPU with a graph split each, "
                                                       "an op fallback llmfit does not model"),
                    (r"^gemma4 .*\| Vulkan \| (pp|tg)\d+ @ d16384", "Gemma 4 at 16k depth on Vulkan (Mesa ANV): prefill 20-25x below the same model at depth 0 and 10-15x below SYCL on this card, decode 3x below depth 0, where every other model loses 2-4x (and Gemma 4 on Strix Halo's Vulkan 2x at 32k): the attention of Gemma 4's 512-wide global heads takes a path off the GPU kernels on this driver (assumed), which llmfit does not model")])
        outputs.append(("kyuz0-intel-b70-sycl-vulkan.json", keep))
        drops.append(("github.com/kyuz0/intel-b70-ai-toolboxes", drop))

    for (name, records), (_, drop) in zip(outputs, drops):
        if not records:
            print(f"{name}: no runs, not written", file=sys.stderr)
            continue
        path = os.path.join(HERE, name)
        write(path, records)
        skips = llmfit_skips(args.llmfit, path)
        for i in sorted(skips):
            r = records[i]
            test = f"pp{r['n_prompt']}" if r.get("prefill_tok_s") else f"tg{r['n_gen']}"
            drop.append((r["source"].split(" ")[0], f"{r['hardware']} {r['api']} {r['model']} {r['quant']} {test} "
                         f"@ d{r['n_depth']}", "llmfit: " + skips[i]))
        records[:] = [r for i, r in enumerate(records) if i not in skips]
        write(path, records)
        validate(args.llmfit, path)
        print(f"{name}: {len(records)} runs", file=sys.stderr)

    with open(os.path.join(HERE, "EXCLUDED-llamabench-tables.md"), "w", encoding="utf-8") as f:
        f.write("# Rows of the llama-bench tables not converted, and why\n\n"
                "Generated by `convert_llamabench_tables.py`; `where` is the file and line (or log) of the row.\n")
        for name, drop in drops:
            f.write(f"\n## {name}: {len(drop)} rows\n\n| where | row | reason |\n|---|---|---|\n")
            for where, label, reason in drop:
                f.write(f"| {where} | {label.replace('|', '/')} | {reason} |\n")


if __name__ == "__main__":
    main()
