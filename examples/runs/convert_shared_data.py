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


def f16_prefill_below_q4(rows):
    """(hardware, model) pairs of the LLaMA 3 tables whose F16 prefill is below their own Q4_K_M prefill
    at some prompt length. In these builds (b2824-b2843, notebooks print `CUDA_USE_TENSOR_CORES: yes`) both
    formats run the same F16 cuBLAS GEMMs above 32 tokens (ggml-cuda.cu `MMQ_MAX_BATCH_SIZE`), Q4_K_M after a
    dequantisation pass, so Q4_K_M cannot be the faster: on every other CUDA rig it is 0.64-0.97x F16."""
    pp = {}
    for row in rows:
        if "aa72e0e" in row["source"] and row["test"] == "pp":
            pp[(row["hardware"], row["model"], row["quant"], row["n_prompt"])] = float(row["tok_s"])
    return {(hw, model) for (hw, model, quant, n), tok_s in pp.items()
            if quant == "F16" and tok_s < pp.get((hw, model, "Q4_K_M", n), 0.0)}


def convert_xiongjiedai(rows, keep3, keep2, drop):
    odd_f16 = f16_prefill_below_q4(rows)
    for i, row in enumerate(rows):
        src = row["source"]
        if "aa72e0e" in src:  # LLaMA 3 llama-bench tables, May 2024
            if row["test"] == "pp" and row["quant"] == "F16" and (row["hardware"], row["model"]) in odd_f16:
                drop.append((i, row, "F16 pp below this rig's own Q4_K_M pp of the same model: both run the same "
                                     "F16 cuBLAS GEMMs in this build (CUDA_USE_TENSOR_CORES), Q4_K_M after a "
                                     "dequantisation, and Q4_K_M is 0.64-0.97x F16 on every other rig; the oddity "
                                     "the data README names for A100 SXM and L40S, also on 4x RTX 5000 Ada"))
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


# ------------------------------------------------------------------------------------------------
# wave2 (../shared/data/wave2, README there): one schema for all files, hardware in the source's own words.

W2_HARDWARE = [  # (substring of the `hardware` column, catalogue id, devices, note)
    ("2x AMD Radeon AI PRO R9700", "radeon-ai-pro-r9700", 2, ""),
    ("AMD Radeon AI PRO R9700", "radeon-ai-pro-r9700", 1, ""),
    ("AMD Ryzen 9 7950X", "ryzen-9-7950x", 1, ""),
    ("AMD EPYC 9355", "epyc-9355", 1,
     "the box ran 12 channels of DDR5-6000 (576 GB/s), the catalogue entry DDR5-6400 (614 GB/s)"),
    ("Apple M2 Max CPU cores", "m2-max", 1, "CPU cores of the M2 Max (both GPU bins have the same CPU)"),
    ("Apple M3 Ultra Mac Studio, 512GB, 80-core GPU; topology=SINGLE", "m3-ultra", 1, ""),
]

# Model names of the wave2 tables -> catalogue ids.
W2_MODELS = {
    "Ministral-3-14B-Instruct-2512": "ministral-3-14b", "Ministral-3-8B-Instruct-2512": "ministral-3-8b",
    "Nemotron-3-Nano-30B-A3B": "nemotron-3-nano-30b-a3b", "Qwen3-Coder-30B-A3B-Instruct": "qwen3-coder-30b-a3b",
    "Qwen3-Next-80B-A3B-Instruct": "qwen3-next-80b-a3b", "gemma-3-12b-it": "gemma-3-12b", "gemma-3-4b-it": "gemma-3-4b",
    "gemma-3-27b-it": "gemma-3-27b", "gpt-oss-20b": "gpt-oss-20b", "gpt-oss-120b": "gpt-oss-120b",
    "llama-2-7b": "llama-2-7b", "Qwen3-30B-A3B": "qwen3-30b-a3b", "Qwen3-235B-A22B": "qwen3-235b-a22b",
    "LLaMA-3.1-8B-Instruct": "llama-3.1-8b", "Llama-3.1-405B-Instruct": "llama-3.1-405b", "Qwen2.5-32B": "qwen2.5-32b",
    "Meta-Llama-3.1-8B-Instruct": "llama-3.1-8b", "Mixtral-8x7B-Instruct": "mixtral-8x7b", "Gemma-2-9B-It": "gemma-2-9b",
    "Mistral-7B-Instruct-v0.3": "mistral-7b", "Qwen2.5-14B-Instruct": "qwen2.5-14b",
    "Devstral-2-123B-Instruct-2512": "devstral-2-123b",
}

# Quantisations -> (catalogue id, note). The catalogue's own types map directly; a variant of a type llmfit
# knows (an unsloth "UD" dynamic mix, a K-quant "Small" mix) runs the same kernels and is mapped to it
# together with the run's stated file size (weight_bytes), which llmfit checks within 25 % of the catalogue's.
W2_QUANTS = {
    "BF16": ("bf16", ""), "F16": ("f16", ""), "Q8_0": ("q8_0", ""), "Q4_0": ("q4_0", ""), "Q4_K_M": ("q4_k_m", ""),
    "Q6_K": ("q6_k", ""), "MXFP4": ("mxfp4_moe", "llama.cpp's MXFP4 MoE GGUF"),
    "Q8_K_XL": ("q8_0", "unsloth UD-Q8_K_XL: Q8_0 tensors with some kept in BF16; mapped to q8_0 with the stated file size"),
    "Q4_K_XL": ("q4_k_m", "unsloth UD-Q4_K_XL: a K-quant mix; mapped to q4_k_m with the stated file size"),
    "Q3_K_S": ("q3_k_s", ""),
    "Q3_K - Small": ("q3_k_s", ""),
    "Q2_K - Small": ("q2_k", "Q2_K_S: mapped to q2_k with the stated file size"),
    "Q4_K - Small": ("q4_k_s", ""), "Q5_K - Small": ("q5_k_s", ""), "IQ4_XS - 4.25 bpw": ("iq4_xs", ""),
    "Q5_0": ("q5_0", ""), "IQ4_NL - 4.5 bpw": ("iq4_nl", ""), "IQ3_S - 3.4375 bpw": ("iq3_s", ""),
    "IQ3_XXS - 3.0625 bpw": ("iq3_xxs", ""), "IQ2_M - 2.7 bpw": ("iq2_m", ""), "IQ2_XS - 2.3125 bpw": ("iq2_xs", ""),
    "IQ2_XXS - 2.0625 bpw": ("iq2_xxs", ""),
    "MLX 8-bit": ("mlx-8bit", ""), "MLX 6-bit": ("mlx-6bit", ""), "MLX 4-bit": ("mlx-4bit", ""), "MLX 3-bit": ("mlx-3bit", ""),
}
GIB = 1024 ** 3


def w2_hardware(text):
    for key, hw, devices, note in W2_HARDWARE:
        if key in text:
            return hw, devices, note
    return None, 0, ""


def w2_model(name):
    for key in sorted(W2_MODELS, key=len, reverse=True):
        if name.startswith(key):
            return W2_MODELS[key]
    return None


def w2_record(row, hw, devices, model, quant, backend, api, era, build, notes):
    rec = {"hardware": hw, "model": model, "quant": quant, "backend": backend, "api": api}
    if devices > 1:
        rec["devices"] = devices
    depth = int(row["n_depth_or_context"] or 0)
    if row["test"] == "pp":
        rec.update({"n_prompt": int(row["n_prompt"]), "n_gen": 0, "n_depth": depth, "prefill_tok_s": float(row["tok_s"])})
    else:
        rec.update({"n_prompt": 0, "n_gen": int(row["n_gen"]), "n_depth": depth, "decode_tok_s": float(row["tok_s"])})
    rec["era"] = era
    if build:
        rec["build"] = build
    rec["source"] = row["source_url"]
    notes = [n for n in notes if n]
    if notes:
        rec["note"] = "; ".join(notes)
    return rec


def convert_r9700(rows, keep, drop):
    """kyuz0's R9700 toolboxes: llama-bench, fa=1, five ROCm builds (x hipBLASLt on/off) and two Vulkan drivers."""
    # Toolboxes that are not the configuration llmfit predicts (the released ROCm builds with their default BLAS):
    # the run condition is named in the row's notes, so the rows are dropped with it rather than averaged in.
    def nondefault(row):
        env = re.search(r"env=([^;]+)", row["notes"])
        env = env.group(1) if env else ""
        if "ROCBLAS_USE_HIPBLASLT=0" in row["notes"]:
            return ("ROCBLAS_USE_HIPBLASLT=0: rocBLAS's own GEMM kernels instead of hipBLASLt, which the toolboxes "
                    "without -hblt0 leave on; llama.cpp sends float (BF16) weight GEMMs through hipBLAS, and they run "
                    "4-9x slower this way (Ministral 3 14B BF16 pp512 on ROCm 7.1.1: 370 against 2,650 tok/s; Gemma 3 "
                    "27B BF16 176 against 1,580): a non-default setting, not modelled")
        if env.startswith("rocm-7-nightly"):
            return ("ROCm 7 nightly, a pre-release: llama.cpp's quantised prefill (MMQ) at half the released ROCm "
                    "6.4.4 / 7.1.1 / 7.9 builds' rate for every quantised model (Llama 2 7B Q4_0 pp512: 2,407 against "
                    "4,582-4,764 tok/s) and Qwen3-Next decoding at 1 tok/s: a regression of that build, not the chip")
        return None
    dropped = {i: why for i, row in enumerate(rows) if (why := nondefault(row))}
    # A rate at depth 2d more than 3x below the same build's rate at depth d: decode time is linear in the depth
    # (t = a + b·d with a, b >= 0, so t(2d) <= 2·t(d)) and prefill attention grows at most with the mean context;
    # what is left is the device memory running out at that depth and the driver paging to host memory (the ROCm
    # builds did not complete gpt-oss-120b at 32k at all).
    at_depth = {}
    for i, row in enumerate(rows):
        if i not in dropped:
            key = (row["backend"], row["hardware"], row["model"], row["test"], row["notes"].split(";")[0])
            at_depth[key + (int(row["n_depth_or_context"] or 0),)] = float(row["tok_s"])
    for i, row in enumerate(rows):
        depth = int(row["n_depth_or_context"] or 0)
        half = at_depth.get((row["backend"], row["hardware"], row["model"], row["test"], row["notes"].split(";")[0],
                             depth // 2)) if depth > 0 and i not in dropped else None
        if half is not None and float(row["tok_s"]) * 3 < half:
            dropped[i] = (f"{float(row['tok_s']):g} tok/s at depth {depth} against {half:g} at {depth // 2} on the same "
                          f"build: over 3x slower at twice the depth, which KV reads and attention cannot make "
                          f"(at most 2x); the cards' memory ran out at this depth and the driver paged to host memory")
    # A configuration measured on many builds of one API: a row below a third of the builds' median is a
    # broken build for that model.
    same = {}
    for i, row in enumerate(rows):
        if i in dropped:
            continue
        key = (row["backend"], row["hardware"], row["model"], row["test"], row["n_prompt"], row["n_gen"],
               row["n_depth_or_context"])
        same.setdefault(key, []).append(float(row["tok_s"]))
    for i, row in enumerate(rows):
        if i in dropped:
            drop.append((i, row, dropped[i]))
            continue
        key = (row["backend"], row["hardware"], row["model"], row["test"], row["n_prompt"], row["n_gen"],
               row["n_depth_or_context"])
        rates = sorted(same[key])
        median = rates[len(rates) // 2]
        if len(rates) >= 4 and float(row["tok_s"]) < median / 3:
            drop.append((i, row, f"below a third of the median of the same configuration on the other builds "
                                 f"({median:g} tok/s): a broken build for this model"))
            continue
        hw, devices, hw_note = w2_hardware(row["hardware"])
        model = w2_model(row["model"])
        quant, q_note = W2_QUANTS.get(row["quant"], (None, ""))
        if model is None:
            drop.append((i, row, "model not in the catalogue"))
            continue
        if quant is None:
            drop.append((i, row, "quantisation not in the catalogue"))
            continue
        notes = row["notes"]
        rec = w2_record(row, hw, devices, model, quant, "llama.cpp", "rocm" if "rocm" in row["backend"] else "vulkan",
                        "2025", "b7423 2aa45ef9e", [q_note, notes])
        rec["flash_attn"] = "fa=1" in notes
        driver = re.search(r"env=vulkan_(amdvlk|radv);", notes)  # the toolbox names the Vulkan driver
        if driver:
            rec["vulkan_driver"] = driver.group(1)
        ub = re.search(r"ubatch=(\d+)", notes)
        rec["n_ubatch"] = int(ub.group(1)) if ub else 512  # llama-bench's default n_ubatch
        size = re.search(r"file_GiB=([0-9.]+)", notes)
        if size:
            rec["weight_bytes"] = round(float(size.group(1)) * GIB)
        keep.append((i, rec))


def convert_cpu(rows, keep, drop):
    """CPU-only mainline llama.cpp; the ik_llama.cpp fork and hybrid CPU+GPU rows are other engines/setups."""
    for i, row in enumerate(rows):
        backend, notes = row["backend"], row["notes"]
        if backend.startswith("ik_llama"):
            drop.append((i, row, "ik_llama.cpp fork: its CPU kernels (repacked, fused MoE) are not mainline llama.cpp's; "
                                 "llmfit has no engine for it"))
            continue
        if "hybrid" in backend or "+ NVIDIA" in row["hardware"] or "+ 1x RTX" in row["hardware"]:
            drop.append((i, row, "hybrid CPU+GPU (experts on the CPU, --n-cpu-moe / -ot): not used for calibration"))
            continue
        hw, devices, hw_note = w2_hardware(row["hardware"])
        if hw is None:
            drop.append((i, row, "hardware not in the catalogue"))
            continue
        if "table 'llama.cpp CPU logs'" in notes and row["test"] == "tg":
            drop.append((i, row, "not the CPU backend alone: the post's log of this run (a CUDA build, "
                                 "`llama-sweep-bench -t 48 -fa -ctk q8_0 -ctv q8_0`) reports 'graph splits = 189 "
                                 "(with bs=1)', two hand-offs per layer between the CPU and CUDA0 at decode, and "
                                 "the CSV's notes miss its flash attention, threads and q8_0 cache"))
            continue
        if "OpenBLAS" in notes and row["test"] == "pp":
            drop.append((i, row, "built with OpenBLAS: prefill goes through BLAS, not llama.cpp's CPU kernels "
                                 "(the wave2 README calls this table's pp odd)"))
            continue
        model = w2_model(row["model"])
        if model is None:
            drop.append((i, row, "model not in the catalogue"))
            continue
        q = row["quant"]
        if q.startswith("custom: experts IQ4_XS"):
            quant, q_note = "iq4_xs", "experts IQ4_XS, attention Q5_K, output Q6_K; mapped to iq4_xs with the stated size"
        else:
            quant, q_note = W2_QUANTS.get(q.split(" (")[0], (None, ""))
        if quant is None:
            drop.append((i, row, "quantisation not in the catalogue"))
            continue
        threads = re.search(r"(\d+) threads", row["hardware"]) or re.search(r"-t (\d+)", notes)
        era = "2024" if "2024" in row["engine_version_or_date"] else "2025"
        build = re.search(r"build ([0-9a-f]+) \((\d+)\)", row["engine_version_or_date"])
        rec = w2_record(row, hw, devices, model, quant, "llama.cpp", "cpu", era,
                        f"{build.group(1)} b{build.group(2)}" if build else "", [hw_note, q_note, notes])
        fa = "-fa" in notes
        rec["flash_attn"] = fa
        if "-ctk q8_0 -ctv q8_0" in notes:
            rec["kv_type"] = "q8_0"
        if "56 of 64 threads" in row["hardware"]:
            rec["n_threads"] = 56
        elif threads:
            rec["n_threads"] = int(threads.group(1))
        size = re.search(r"size ([0-9.]+) GiB", notes) or re.search(r"\(([0-9.]+) GiB\)", q)
        if size:
            rec["weight_bytes"] = round(float(size.group(1)) * GIB)
        keep.append((i, rec))


def convert_mlx(rows, keep, drop):
    """mlx_lm.benchmark on one M3 Ultra; the multi-node (Thunderbolt TP/PP) rows are clusters."""
    for i, row in enumerate(rows):
        if "topology=SINGLE" not in row["hardware"]:
            drop.append((i, row, "several Macs over Thunderbolt 5 (tensor or pipeline parallel): not a single-node run"))
            continue
        model = w2_model(row["model"])
        if model is None:
            drop.append((i, row, "model not in the catalogue"))
            continue
        quant, q_note = W2_QUANTS.get(row["quant"], (None, ""))
        if quant is None:
            drop.append((i, row, "quantisation not in the catalogue"))
            continue
        rec = w2_record(row, "m3-ultra", 1, model, quant, "mlx", "metal", "2026", "MLX 0.30.7",
                        ["mlx_lm.benchmark; M3 Ultra 512 GB " + row["hardware"].split("node=")[-1], row["notes"]])
        rec["flash_attn"] = True  # MLX's fused scaled_dot_product_attention
        keep.append((i, rec))


def convert_ollama(rows, keep, drop):
    """Ollama eval rates: the tables name a tag without its quantisation and do not give the tokens generated."""
    for i, row in enumerate(rows):
        drop.append((i, row, "quantisation not stated (an Ollama default tag; llmfit does not guess it) and "
                             "tokens generated not stated"))


# ------------------------------------------------------------------------------------------------
# vLLM concurrency rows (issue 21): serving benchmarks, a closed loop of N concurrent requests. A row pair (the
# system-wide output rate and the per-request speed) becomes one llmfit record: decode_tok_s is the output
# throughput over the whole benchmark (rate_includes_prefill), per_user_decode_tok_s what one request saw.

VLLM_HARDWARE = [  # (substring of the `hardware` column, catalogue id, devices, api)
    ("NVIDIA H100 PCIe", "h100-pcie", 1, "cuda"), ("NVIDIA H200", "h200", 1, "cuda"), ("NVIDIA B200", "b200", 1, "cuda"),
    ("AMD Instinct MI300X", "mi300x", 1, "rocm"), ("4x AMD Instinct MI100", "mi100", 4, "rocm"),
]
VLLM_MODELS = {  # model column -> catalogue id (None: not in the catalogue)
    "openai/gpt-oss-20b": "gpt-oss-20b", "Qwen3-Coder-30B-A3B-Instruct-gptq-4bit": "qwen3-coder-30b-a3b",
    "Qwen3.5-122B-A10B-GPTQ-4bit": "qwen3.5-122b-a10b", "Qwen3.5-122B-A10B-GPTQ-4bit_phase0_baseline": "qwen3.5-122b-a10b",
    "Qwen3.5-35B-A3B-GPTQ-4bit": "qwen3.5-35b-a3b", "Qwen3.5-35B-A3B-GPTQ-8bit": "qwen3.5-35b-a3b",
    "Qwen3.6-27B-GPTQ-4bit": "qwen3.6-27b", "Qwen3.6-27B-GPTQ-8bit": "qwen3.6-27b",
    "groxaxo-Qwen3.6-27B-GPTQ-Pro-4bit": "qwen3.6-27b",
    "Qwen3.6-35B-A3B-GPTQ-4bit": "qwen3.6-35b-a3b", "Qwen3.6-35B-A3B-GPTQ-8bit": "qwen3.6-35b-a3b",
}
VLLM_QUANTS = {"MXFP4 (native)": "mxfp4", "GPTQ-4bit": "gptq-4bit", "GPTQ-8bit": "gptq-8bit"}
# A run holds its nominal concurrency when Little's law agrees: requests in flight = completed requests per
# second x seconds per request. Below this share of the nominal, the client, not the server, set the load.
LITTLE_MIN_SHARE = 0.85


def keyed(notes, key):
    m = re.search(re.escape(key) + r"=([0-9.]+)", notes)
    return float(m.group(1)) if m else None


def convert_vllm_gpuconc(rows, keep, drop):
    """sariekr/gpu_conc: gpt-oss-20b on one GPU, concurrency 1-1024, prompt and output 1000 tokens."""
    pairs = {}
    for i, row in enumerate(rows):
        kind = "system" if row["notes"].startswith("system-wide") else "request"
        pairs.setdefault((row["hardware"], row["batch"]), {})[kind] = (i, row)
    for (hardware, batch), pair in pairs.items():
        i, row = pair["system"]
        j, per_request = pair.get("request", (None, None))
        notes = row["notes"]
        indices = [i] + ([j] if j is not None else [])
        hw = next(((h, d, a) for key, h, d, a in VLLM_HARDWARE if key in hardware), None)

        def drop_all(reason):
            for k in indices:
                drop.append((k, rows[k], reason))

        success = re.search(r"success (\d+)/(\d+)", notes)
        if success and success.group(1) != success.group(2):
            drop_all(f"requests failed (success {success.group(1)}/{success.group(2)}, 30 s timeout): the rate counts "
                     "only the requests that finished")
            continue
        n, g, p = int(batch), int(row["n_gen"]), int(row["n_prompt"])
        rate = float(row["tok_s"])
        e2e_ms = keyed(notes, "median_e2e_ms")
        in_flight = rate / g * e2e_ms / 1000 if e2e_ms else None
        if in_flight is not None and in_flight < LITTLE_MIN_SHARE * n:
            drop_all(f"the client did not hold its concurrency: by Little's law (completed requests/s x median request "
                     f"time) {in_flight:.1f} requests were in flight, not {n}")
            continue
        h, devices, api = hw
        rec = {"hardware": h, "model": VLLM_MODELS[row["model"]], "quant": VLLM_QUANTS[row["quant"]], "backend": "vllm",
               "api": api, "n_prompt": p, "n_gen": g, "n_depth": 0, "batch": n, "decode_tok_s": rate,
               "rate_includes_prefill": True, "era": "2025"}
        if per_request is not None:
            rec["per_user_decode_tok_s"] = float(per_request["tok_s"])
        ttft = keyed(notes, "median_ttft_ms")
        if ttft:
            rec["median_ttft_ms"] = ttft
        rec["source"] = row["source_url"]
        rec["note"] = "vLLM version not recorded; " + notes
        keep.append((i, rec))
        if n == 1 and ttft:
            # One request alone: its TTFT is its prefill (and one step, under 1 % of it here).
            pre = {k: v for k, v in rec.items() if k not in ("decode_tok_s", "rate_includes_prefill", "per_user_decode_tok_s",
                                                            "median_ttft_ms", "batch")}
            pre.update({"n_gen": 0, "prefill_tok_s": p / (ttft / 1000)})
            pre["note"] = "prefill derived from the median TTFT of one request alone (prompt / TTFT); " + notes
            keep.append((i, pre))


def convert_vllm_mi100(rows, keep, drop):
    """btbtyler09/mi100-llm-testing: vLLM ROCm, tensor parallel over 4 MI100s, 19 models, concurrency 1-128."""
    groups = {}
    for i, row in enumerate(rows):
        key = (row["model"], row["notes"].split("scenario=")[1].split(";")[0])
        groups.setdefault(key, []).append((i, row))
    for (model_name, scenario), members in groups.items():
        by_kind = {}
        for i, row in members:
            kind = "pp" if row["test"] == "pp" else "aggregate" if row["notes"].startswith("aggregate") else "stream"
            by_kind[kind] = (i, row)
        i, row = by_kind["aggregate"]
        notes = row["notes"]

        def drop_all(reason):
            for k, r in members:
                drop.append((k, r, reason))

        if "mtp" in model_name.lower():
            drop_all("multi-token prediction (speculative decoding) beats the plain decode roofline: another engine mode")
            continue
        model = VLLM_MODELS.get(model_name)
        if model is None:
            drop_all("model not in the catalogue")
            continue
        quant = VLLM_QUANTS.get(row["quant"])
        if quant is None:
            drop_all("quantisation not in the catalogue")
            continue
        p, g = int(row["n_prompt"]), int(row["n_gen"])
        prompts = int(keyed(notes, "num_prompts"))
        # vllm bench serve never has more requests in flight than it sends.
        n = min(int(row["batch"]), prompts)
        rps, ttft, tpot = keyed(notes, "request_throughput"), keyed(notes, "ttft_median_ms"), keyed(notes, "tpot_median_ms")
        in_flight = rps * (ttft + (g - 1) * tpot) / 1000
        if in_flight < LITTLE_MIN_SHARE * n:
            drop_all(f"the client did not hold its concurrency: by Little's law (requests/s x median request time) "
                     f"{in_flight:.1f} requests were in flight, not {n}")
            continue
        base = {"hardware": "mi100", "devices": 4, "model": model, "quant": quant, "backend": "vllm", "api": "rocm",
                "n_prompt": p, "era": "2026", "build": "vLLM v0.20.0rc1.dev, ROCm 7.2.1"}
        rec = dict(base, n_gen=g, n_depth=0, batch=n, decode_tok_s=float(row["tok_s"]), rate_includes_prefill=True)
        if "stream" in by_kind:
            rec["per_user_decode_tok_s"] = float(by_kind["stream"][1]["tok_s"])
        rec.update({"median_ttft_ms": ttft, "median_tpot_ms": tpot, "requests_per_s": rps, "source": row["source_url"],
                    "note": ("a " + model_name + " build; " if model_name.startswith("groxaxo") or "phase0" in model_name else "")
                            + ("num_prompts below the concurrency: batch is the prompts sent; " if n < int(row["batch"]) else "")
                            + notes})
        keep.append((i, rec))
        if "pp" in by_kind:
            k, pp = by_kind["pp"]
            if n == 1:
                keep.append((k, dict(base, n_gen=0, n_depth=0, prefill_tok_s=float(pp["tok_s"]), source=pp["source_url"],
                                     note="prefill speed the harness derived from the TTFT of one request alone; " + pp["notes"])))
            else:
                drop.append((k, pp, "prefill speed derived from TTFT under load (queueing behind other requests "
                                    "included): not a prefill measurement"))
        for kind in ("stream",):
            if kind in by_kind:
                pass  # folded into the aggregate record (per_user_decode_tok_s)


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


def ranges(indices):
    """[1, 2, 3, 7] -> "1-3, 7"."""
    out, start = [], None
    for k, i in enumerate(indices):
        if start is None:
            start = i
        if k + 1 == len(indices) or indices[k + 1] != i + 1:
            out.append(str(start) if start == i else f"{start}-{i}")
            start = None
    return ", ".join(out)


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

    w2 = os.path.join(args.data, "wave2")
    wave2 = {
        "wave2-r9700-rocm-vulkan.json": ("rocm_vulkan_r9700_kyuz0.csv", convert_r9700),
        "wave2-cpu-llamacpp.json": ("cpu_moe_ik_llama_discussions.csv", convert_cpu),
        "wave2-mlx-m3-ultra.json": ("mlx_m3ultra_cluster_guruswami.csv", convert_mlx),
        "wave2-ollama.json": ("ollama_repo_data.csv", convert_ollama),
        "wave2-vllm-concurrency.json": ("vllm_single_gpu_concurrency_gpuconc.csv", convert_vllm_gpuconc),
        "wave2-vllm-mi100x4.json": ("vllm_rocm_mi100x4_concurrency.csv", convert_vllm_mi100),
    }
    for out, (csv_name, convert) in wave2.items():
        name = "wave2/" + csv_name
        tables[name] = read(os.path.join(w2, csv_name))
        drops[name] = []
        keep[out] = []
        sources[out] = name
        convert(tables[name], keep[out], drops[name])

    lines = []
    total_kept = 0
    for out, csv_name in sources.items():
        final_path = os.path.join(HERE, out)
        if not keep[out]:
            continue
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
            if csv_name.startswith("wave2/"):  # thousands of rows: one line per reason, rows as ranges
                f.write(f"## {csv_name}: {len(dropped)} rows\n\n| reason | rows | count |\n|---|---|---|\n")
                by_reason = {}
                for i, _, reason in dropped:
                    by_reason.setdefault(reason, []).append(i)
                for reason, idx in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
                    f.write(f"| {reason} | {ranges(sorted(idx))} | {len(idx)} |\n")
                f.write("\n")
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
