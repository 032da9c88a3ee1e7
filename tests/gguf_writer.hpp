#pragma once
// A GGUF writer for tests, written from ggml's docs/gguf.md independently of the reader: it emits
// valid headers (metadata and tensor-info table), the alignment padding and zero-filled tensor data,
// or the header alone followed by a sparse hole (a 100 GB model without 100 GB of disk).
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace llmfit::test {

/// ggml type ids and block layouts used by the tests (ggml.h enum ggml_type; ggml-common.h blocks).
struct TestType {
  std::uint32_t id;
  std::uint64_t block_elements;
  std::uint64_t block_bytes;
};
inline constexpr TestType kF32{0, 1, 4};
inline constexpr TestType kF16{1, 1, 2};
inline constexpr TestType kQ4_0{2, 32, 2 + 16};             // fp16 scale + 32 nibbles
inline constexpr TestType kQ8_0{8, 32, 2 + 32};             // fp16 scale + 32 int8
inline constexpr TestType kQ4_K{12, 256, 2 + 2 + 12 + 128};  // d, dmin, 12 scale bytes, 256 nibbles
inline constexpr TestType kQ6_K{14, 256, 128 + 64 + 16 + 2};  // ql, qh, scales, d
inline constexpr TestType kMXFP4{39, 32, 1 + 16};            // E8M0 scale + 32 E2M1 nibbles
inline constexpr TestType kBF16{30, 1, 2};

class GgufWriter {
 public:
  std::uint32_t version = 3;
  std::uint64_t alignment = 32;

  void u32(const std::string& key, std::uint32_t value) { scalar(key, 4, &value, 4); }
  void u64(const std::string& key, std::uint64_t value) { scalar(key, 10, &value, 8); }
  void i32(const std::string& key, std::int32_t value) { scalar(key, 5, &value, 4); }
  void f32(const std::string& key, float value) { scalar(key, 6, &value, 4); }
  void boolean(const std::string& key, bool value) {
    const std::uint8_t byte = value ? 1 : 0;
    scalar(key, 7, &byte, 1);
  }
  void string(const std::string& key, const std::string& value) {
    begin_kv(key, 8);
    put_string(kv_, value);
  }
  void u32_array(const std::string& key, const std::vector<std::uint32_t>& values) {
    begin_kv(key, 9);
    put(kv_, std::uint32_t{4});
    put(kv_, static_cast<std::uint64_t>(values.size()));
    for (auto v : values) put(kv_, v);
  }
  void bool_array(const std::string& key, const std::vector<bool>& values) {
    begin_kv(key, 9);
    put(kv_, std::uint32_t{7});
    put(kv_, static_cast<std::uint64_t>(values.size()));
    for (bool v : values) put(kv_, static_cast<std::uint8_t>(v ? 1 : 0));
  }
  void string_array(const std::string& key, const std::vector<std::string>& values) {
    begin_kv(key, 9);
    put(kv_, std::uint32_t{8});
    put(kv_, static_cast<std::uint64_t>(values.size()));
    for (const auto& v : values) put_string(kv_, v);
  }
  /// Raw bytes appended to the metadata section (for malformed-input tests), counted as `entries`.
  void raw_metadata(const std::string& bytes, std::uint64_t entries) {
    kv_ += bytes;
    kv_count_ += entries;
  }

  /// A tensor: dims with ne[0] (contiguous) first, as GGUF stores them. Returns its data bytes.
  std::uint64_t tensor(const std::string& name, const std::vector<std::uint64_t>& dims, TestType type) {
    std::uint64_t elements = 1;
    for (auto d : dims) elements *= d;
    const std::uint64_t bytes = elements / type.block_elements * type.block_bytes;
    put_string(tensors_, name);
    put(tensors_, static_cast<std::uint32_t>(dims.size()));
    for (auto d : dims) put(tensors_, d);
    put(tensors_, type.id);
    put(tensors_, data_bytes_);
    data_bytes_ += padded(bytes);
    ++tensor_count_;
    return bytes;
  }

  /// Magic, version, counts, metadata, tensor infos, padding to the alignment.
  [[nodiscard]] std::string header() const {
    std::string out = "GGUF";
    put(out, version);
    put(out, tensor_count_);
    put(out, kv_count_);
    out += kv_;
    out += tensors_;
    out.append(padded(out.size()) - out.size(), '\0');
    return out;
  }
  [[nodiscard]] std::uint64_t data_bytes() const { return data_bytes_; }
  /// The whole file in memory, data zero-filled (small models only).
  [[nodiscard]] std::string bytes() const { return header() + std::string(data_bytes_, '\0'); }

  /// Writes the file; `sparse`: the header, then the size set so the data is a hole.
  void write(const std::filesystem::path& path, bool sparse = false) const {
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      const std::string head = sparse ? header() : bytes();
      out.write(head.data(), static_cast<std::streamsize>(head.size()));
      if (!out) throw std::runtime_error("cannot write " + path.string());
    }
    if (sparse) std::filesystem::resize_file(path, header().size() + data_bytes_);
  }

 private:
  template <typename T>
  static void put(std::string& out, T value) {
    unsigned char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));  // the test machines are little-endian, as GGUF
    out.append(reinterpret_cast<const char*>(bytes), sizeof(T));
  }
  static void put_string(std::string& out, const std::string& text) {
    put(out, static_cast<std::uint64_t>(text.size()));
    out += text;
  }
  void begin_kv(const std::string& key, std::uint32_t type) {
    put_string(kv_, key);
    put(kv_, type);
    ++kv_count_;
  }
  void scalar(const std::string& key, std::uint32_t type, const void* value, std::size_t size) {
    begin_kv(key, type);
    kv_.append(static_cast<const char*>(value), size);
  }
  [[nodiscard]] std::uint64_t padded(std::uint64_t size) const { return (size + alignment - 1) / alignment * alignment; }

  std::string kv_;
  std::string tensors_;
  std::uint64_t kv_count_ = 0;
  std::uint64_t tensor_count_ = 0;
  std::uint64_t data_bytes_ = 0;
};

}  // namespace llmfit::test
