#!/usr/bin/env python3
"""Writes the seed headers of the `gguf` fuzz target into fuzz/corpus/gguf/ (GGUF v3, header only:
the target also parses each input as the start of a terabyte file, so the data may be absent)."""
import pathlib
import struct

TYPES = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q8_0": (8, 32, 34), "Q4_K": (12, 256, 144),
         "Q6_K": (14, 256, 210), "BF16": (30, 1, 2), "MXFP4": (39, 32, 17)}


def text(value):
    data = value.encode()
    return struct.pack("<Q", len(data)) + data


class Header:
    def __init__(self):
        self.kv, self.tensors, self.offset = [], [], 0

    def u32(self, key, value):
        self.kv.append(text(key) + struct.pack("<II", 4, value))

    def string(self, key, value):
        self.kv.append(text(key) + struct.pack("<I", 8) + text(value))

    def tensor(self, name, dims, type_name):
        type_id, block, block_bytes = TYPES[type_name]
        elements = 1
        for d in dims:
            elements *= d
        self.tensors.append(text(name) + struct.pack("<I", len(dims)) +
                            b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", type_id, self.offset))
        self.offset += (elements // block * block_bytes + 31) // 32 * 32

    def bytes(self):
        out = b"GGUF" + struct.pack("<IQQ", 3, len(self.tensors), len(self.kv)) + b"".join(self.kv) + b"".join(self.tensors)
        return out + b"\0" * (-len(out) % 32)


def model(arch, file_type=15, layers=2, experts=0, extra=None, ffn="dense", embed="Q4_K"):
    h = Header()
    h.string("general.architecture", arch)
    h.u32("general.file_type", file_type)
    for key, value in {"block_count": layers, "embedding_length": 256, "feed_forward_length": 512,
                       "attention.head_count": 4, "attention.head_count_kv": 2, "context_length": 4096,
                       "vocab_size": 16, **(extra or {})}.items():
        h.u32(f"{arch}.{key}", value)
    if experts:
        h.u32(f"{arch}.expert_count", experts)
        h.u32(f"{arch}.expert_used_count", 2)
    h.tensor("token_embd.weight", [256, 16], embed)
    for layer in range(layers):
        b = f"blk.{layer}."
        h.tensor(b + "attn_norm.weight", [256], "F32")
        h.tensor(b + "attn_q.weight", [256, 256], "Q4_K")
        h.tensor(b + "attn_k.weight", [256, 128], "Q4_K")
        h.tensor(b + "attn_v.weight", [256, 128], "Q6_K")
        h.tensor(b + "attn_output.weight", [256, 256], "Q4_K")
        if experts:
            kind = "MXFP4" if ffn == "mxfp4" else "Q8_0"
            h.tensor(b + "ffn_gate_inp.weight", [256, experts], "F32")
            h.tensor(b + "ffn_gate_exps.weight", [256, 128, experts], kind)
            h.tensor(b + "ffn_up_exps.weight", [256, 128, experts], kind)
            h.tensor(b + "ffn_down_exps.weight", [128, 256, experts], kind)
        else:
            h.tensor(b + "ffn_gate.weight", [256, 512], "Q4_K")
            h.tensor(b + "ffn_up.weight", [256, 512], "Q4_K")
            h.tensor(b + "ffn_down.weight", [512, 256], "Q6_K")
    h.tensor("output.weight", [256, 16], "Q6_K")
    return h.bytes()


seeds = {
    "dense-llama": model("llama"),
    "moe-qwen3moe": model("qwen3moe", experts=8, extra={"expert_feed_forward_length": 128}),
    "sliding-gemma3": model("gemma3", layers=6, extra={"attention.sliding_window": 1024}),
    "mla-deepseek2": model("deepseek2", extra={"attention.kv_lora_rank": 64, "rope.dimension_count": 16,
                                               "attention.key_length": 48, "attention.value_length": 32}),
    "mxfp4-gpt-oss": model("gpt-oss", file_type=38, experts=8, ffn="mxfp4", embed="BF16",
                           extra={"attention.sliding_window": 128}),
}
folder = pathlib.Path(__file__).resolve().parent / "corpus" / "gguf"
folder.mkdir(parents=True, exist_ok=True)
for name, data in seeds.items():
    (folder / f"{name}.gguf").write_bytes(data)
    print(f"{name}: {len(data)} bytes")
