#!/usr/bin/python3
"""Writes a GGUF with TinyLlama 1.1B's shape (config.json of TinyLlama/TinyLlama-1.1B-Chat-v1.0) and random
Q4_0 weights, the tokenizer of llama.cpp's models/ggml-vocab-llama-spm.gguf (Llama 2's, as TinyLlama's).
Speed does not depend on the weights' values (a dense model reads every weight per step), so llama-bench and
llama-batched-bench measure on it what they would on the released model's Q4_0 file. Needs gguf-py (from
llama.cpp) and numpy. Usage: random_weights_gguf.py LLAMA_CPP_DIR OUT.gguf"""
import sys
import numpy as np

src, out = sys.argv[1], sys.argv[2]
sys.path.insert(0, src + "/gguf-py")
import gguf  # noqa: E402

hidden, ffn, layers, heads, kv_heads, vocab, ctx = 2048, 5632, 22, 32, 4, 32000, 2048
head_dim = hidden // heads
rng = np.random.default_rng(0)

w = gguf.GGUFWriter(out, "llama")
w.add_name("TinyLlama 1.1B (random Q4_0 weights)")
w.add_context_length(ctx)
w.add_embedding_length(hidden)
w.add_block_count(layers)
w.add_feed_forward_length(ffn)
w.add_head_count(heads)
w.add_head_count_kv(kv_heads)
w.add_rope_dimension_count(head_dim)
w.add_rope_freq_base(10000.0)
w.add_layer_norm_rms_eps(1e-5)
w.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_0)

vocab_file = gguf.GGUFReader(src + "/models/ggml-vocab-llama-spm.gguf")
for name, field in vocab_file.fields.items():
    if not name.startswith("tokenizer."):
        continue
    types = field.types
    if types[0] == gguf.GGUFValueType.ARRAY:
        item = types[1]
        if item == gguf.GGUFValueType.STRING:
            values = [bytes(field.parts[i]).decode("utf-8", "replace") for i in field.data]
        else:
            values = [field.parts[i].tolist()[0] for i in field.data]
        w.add_array(name, values)
    elif types[0] == gguf.GGUFValueType.STRING:
        w.add_string(name, bytes(field.parts[field.data[0]]).decode())
    elif types[0] == gguf.GGUFValueType.BOOL:
        w.add_bool(name, bool(field.parts[field.data[0]][0]))
    else:
        w.add_uint32(name, int(field.parts[field.data[0]][0]))


def q4_0(rows, cols):
    """Random Q4_0 blocks: an f16 scale of 1/64 and random nibbles (finite values near 0)."""
    blocks = rows * cols // 32
    data = rng.integers(0, 256, size=(blocks, 18), dtype=np.uint8)
    data[:, 0:2] = np.frombuffer(np.float16(1 / 64).tobytes(), dtype=np.uint8)
    return data.reshape(rows, cols // 32 * 18)


def add_q4(name, rows, cols):
    w.add_tensor(name, q4_0(rows, cols), raw_shape=(rows, cols // 32 * 18), raw_dtype=gguf.GGMLQuantizationType.Q4_0)


add_q4("token_embd.weight", vocab, hidden)
w.add_tensor("output_norm.weight", np.ones(hidden, dtype=np.float32))
add_q4("output.weight", vocab, hidden)
for i in range(layers):
    p = f"blk.{i}."
    w.add_tensor(p + "attn_norm.weight", np.ones(hidden, dtype=np.float32))
    add_q4(p + "attn_q.weight", hidden, hidden)
    add_q4(p + "attn_k.weight", kv_heads * head_dim, hidden)
    add_q4(p + "attn_v.weight", kv_heads * head_dim, hidden)
    add_q4(p + "attn_output.weight", hidden, hidden)
    w.add_tensor(p + "ffn_norm.weight", np.ones(hidden, dtype=np.float32))
    add_q4(p + "ffn_gate.weight", ffn, hidden)
    add_q4(p + "ffn_up.weight", ffn, hidden)
    add_q4(p + "ffn_down.weight", hidden, ffn)

w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
