// GGUF header reader (see gguf.hpp). Layout from ggml's docs/gguf.md:
//   magic "GGUF", u32 version, u64 tensor_count, u64 metadata_kv_count,
//   metadata: (string key, u32 value_type, value)*, tensor infos: (string name, u32 n_dims,
//   u64 dims[n_dims], u32 ggml_type, u64 offset)*, padding to general.alignment, tensor data.
// Strings are u64 length + bytes (no terminator). Everything little-endian.
#include "llmfit/io/gguf.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <istream>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "llmfit/errors.hpp"
#include "input_file.hpp"

namespace llmfit {
namespace {

// ggml.h `enum ggml_type`; block sizes from ggml-common.h / gguf-py GGML_QUANT_SIZES.
constexpr std::array<GgmlTypeTraits, 41> kGgmlTypes = {{
    {"F32", 1, 4},         {"F16", 1, 2},         {"Q4_0", 32, 18},     {"Q4_1", 32, 20},
    {"", 0, 0},            {"", 0, 0},            {"Q5_0", 32, 22},     {"Q5_1", 32, 24},
    {"Q8_0", 32, 34},      {"Q8_1", 32, 36},      {"Q2_K", 256, 84},    {"Q3_K", 256, 110},
    {"Q4_K", 256, 144},    {"Q5_K", 256, 176},    {"Q6_K", 256, 210},   {"Q8_K", 256, 292},
    {"IQ2_XXS", 256, 66},  {"IQ2_XS", 256, 74},   {"IQ3_XXS", 256, 98}, {"IQ1_S", 256, 50},
    {"IQ4_NL", 32, 18},    {"IQ3_S", 256, 110},   {"IQ2_S", 256, 82},   {"IQ4_XS", 256, 136},
    {"I8", 1, 1},          {"I16", 1, 2},         {"I32", 1, 4},        {"I64", 1, 8},
    {"F64", 1, 8},         {"IQ1_M", 256, 56},    {"BF16", 1, 2},       {"", 0, 0},
    {"", 0, 0},            {"", 0, 0},            {"TQ1_0", 256, 54},   {"TQ2_0", 256, 66},
    {"", 0, 0},            {"", 0, 0},            {"", 0, 0},           {"MXFP4", 32, 17},
    {"NVFP4", 64, 36},
}};

// llama.h `enum llama_ftype` (general.file_type), lowercase as llama-quantize names them.
struct FileTypeName {
  std::uint32_t id;
  std::string_view name;
};
constexpr std::array<FileTypeName, 36> kFileTypes = {{
    {0, "f32"},      {1, "f16"},      {2, "q4_0"},      {3, "q4_1"},      {7, "q8_0"},     {8, "q5_0"},
    {9, "q5_1"},     {10, "q2_k"},    {11, "q3_k_s"},   {12, "q3_k_m"},   {13, "q3_k_l"},  {14, "q4_k_s"},
    {15, "q4_k_m"},  {16, "q5_k_s"},  {17, "q5_k_m"},   {18, "q6_k"},     {19, "iq2_xxs"}, {20, "iq2_xs"},
    {21, "q2_k_s"},  {22, "iq3_xs"},  {23, "iq3_xxs"},  {24, "iq1_s"},    {25, "iq4_nl"},  {26, "iq3_s"},
    {27, "iq3_m"},   {28, "iq2_s"},   {29, "iq2_m"},    {30, "iq4_xs"},   {31, "iq1_m"},   {32, "bf16"},
    {36, "tq1_0"},   {37, "tq2_0"},   {38, "mxfp4_moe"}, {39, "nvfp4"},   {4, "q4_1_some_f16"}, {1024, "guessed"},
}};

enum ValueType : std::uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
constexpr std::uint64_t kMaxKeptString = 64 * 1024;   // longer values (chat templates) are skipped
constexpr std::uint64_t kMaxKeptNumbers = 1 << 16;    // per-layer arrays are a few hundred long
constexpr std::uint64_t kMaxKeyBytes = 65535;         // docs/gguf.md: keys are at most 2^16-1 bytes
constexpr int kMaxArrayDepth = 8;
constexpr std::uint32_t kMaxDims = 4;                 // GGML_MAX_DIMS
constexpr std::uint64_t kMaxElements = std::uint64_t{1} << 53;  // counted exactly in a double

std::uint64_t fixed_size(std::uint32_t type) {
  switch (type) {
    case kU8: case kI8: case kBool: return 1;
    case kU16: case kI16: return 2;
    case kU32: case kI32: case kF32: return 4;
    case kU64: case kI64: case kF64: return 8;
    default: return 0;  // string, array: variable
  }
}

/// Sequential little-endian reads with every length checked against the bytes left in the file.
class Reader {
 public:
  Reader(std::istream& in, std::uint64_t size, const std::string& path) : in_(in), size_(size), path_(path) {}

  [[noreturn]] void fail(const std::string& what) const { throw InputError(path_ + ": " + what); }
  [[nodiscard]] std::uint64_t position() const noexcept { return position_; }
  [[nodiscard]] std::uint64_t left() const noexcept { return size_ - position_; }

  void need(std::uint64_t bytes, std::string_view what) const {
    if (bytes > left())
      fail(fmt::format("truncated GGUF header: {} needs {} bytes at offset {}, the file has {} left", what, bytes,
                       position_, left()));
  }
  void read_bytes(void* out, std::uint64_t bytes, std::string_view what) {
    need(bytes, what);
    in_.read(static_cast<char*>(out), static_cast<std::streamsize>(bytes));
    if (!in_) fail(fmt::format("read error at offset {} ({})", position_, what));
    position_ += bytes;
  }
  void skip(std::uint64_t bytes, std::string_view what) {
    need(bytes, what);
    in_.ignore(static_cast<std::streamsize>(bytes));
    if (!in_) fail(fmt::format("read error at offset {} ({})", position_, what));
    position_ += bytes;
  }
  template <typename T>
  T scalar(std::string_view what) {
    unsigned char bytes[sizeof(T)];
    read_bytes(bytes, sizeof(T), what);
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) bits |= std::uint64_t{bytes[i]} << (8 * i);
    if constexpr (std::is_same_v<T, float>) {
      return std::bit_cast<float>(static_cast<std::uint32_t>(bits));
    } else if constexpr (std::is_same_v<T, double>) {
      return std::bit_cast<double>(bits);
    } else {
      return static_cast<T>(bits);
    }
  }
  /// A string kept in memory (keys, names): at most `max_bytes`.
  std::string string(std::string_view what, std::uint64_t max_bytes) {
    const auto length = scalar<std::uint64_t>(what);
    need(length, what);
    if (length > max_bytes) fail(fmt::format("{}: {} bytes long, more than the {} allowed", what, length, max_bytes));
    std::string text(static_cast<std::size_t>(length), '\0');
    read_bytes(text.data(), length, what);
    return text;
  }

 private:
  std::istream& in_;
  std::uint64_t size_;
  std::uint64_t position_ = 0;
  const std::string& path_;
};

std::string printable(std::string_view text) {
  std::string shown = one_line(text.substr(0, 120));
  if (text.size() > 120) shown += "...";
  return shown;
}

double number_of(Reader& reader, std::uint32_t type, std::string_view what) {
  switch (type) {
    case kU8: return reader.scalar<std::uint8_t>(what);
    case kI8: return static_cast<std::int8_t>(reader.scalar<std::uint8_t>(what));
    case kU16: return reader.scalar<std::uint16_t>(what);
    case kI16: return static_cast<std::int16_t>(reader.scalar<std::uint16_t>(what));
    case kU32: return reader.scalar<std::uint32_t>(what);
    case kI32: return static_cast<std::int32_t>(reader.scalar<std::uint32_t>(what));
    case kF32: return reader.scalar<float>(what);
    case kBool: return reader.scalar<std::uint8_t>(what) != 0 ? 1.0 : 0.0;
    case kU64: return static_cast<double>(reader.scalar<std::uint64_t>(what));
    case kI64: return static_cast<double>(static_cast<std::int64_t>(reader.scalar<std::uint64_t>(what)));
    case kF64: return reader.scalar<double>(what);
    default: reader.fail(fmt::format("{}: value type {} is not a number", what, type));
  }
}

void skip_value(Reader& reader, std::uint32_t type, std::string_view what, int depth);

GgufArray read_array(Reader& reader, std::string_view what, int depth) {
  if (depth > kMaxArrayDepth) reader.fail(fmt::format("{}: arrays nested deeper than {}", what, kMaxArrayDepth));
  GgufArray array;
  array.element_type = reader.scalar<std::uint32_t>(what);
  array.length = reader.scalar<std::uint64_t>(what);
  if (array.element_type > kF64) reader.fail(fmt::format("{}: unknown array element type {}", what, array.element_type));
  // Each element takes at least one byte (8 for a string's length): a length beyond the file is corrupt.
  const std::uint64_t element_min = array.element_type == kString || array.element_type == kArray
                                        ? (array.element_type == kString ? 8 : 12)
                                        : fixed_size(array.element_type);
  if (array.length > reader.left() / element_min)
    reader.fail(fmt::format("{}: array of {} elements is longer than the {} bytes left", what, array.length,
                            reader.left()));
  const std::uint64_t size = fixed_size(array.element_type);
  if (size > 0 && array.length <= kMaxKeptNumbers) {
    array.numbers.reserve(static_cast<std::size_t>(array.length));
    for (std::uint64_t i = 0; i < array.length; ++i) array.numbers.push_back(number_of(reader, array.element_type, what));
  } else if (size > 0) {
    reader.skip(size * array.length, what);
  } else {
    for (std::uint64_t i = 0; i < array.length; ++i) skip_value(reader, array.element_type, what, depth + 1);
  }
  return array;
}

void skip_value(Reader& reader, std::uint32_t type, std::string_view what, int depth) {
  if (type == kString) {
    reader.skip(reader.scalar<std::uint64_t>(what), what);
  } else if (type == kArray) {
    (void)read_array(reader, what, depth);
  } else if (type <= kF64) {
    reader.skip(fixed_size(type), what);
  } else {
    reader.fail(fmt::format("{}: unknown value type {}", what, type));
  }
}

/// A metadata value, or nullopt for a string too long to keep (skipped, like the weights).
std::optional<GgufValue> read_value(Reader& reader, std::uint32_t type, const std::string& what) {
  switch (type) {
    case kU8: return std::uint64_t{reader.scalar<std::uint8_t>(what)};
    case kU16: return std::uint64_t{reader.scalar<std::uint16_t>(what)};
    case kU32: return std::uint64_t{reader.scalar<std::uint32_t>(what)};
    case kU64: return reader.scalar<std::uint64_t>(what);
    case kI8: return std::int64_t{static_cast<std::int8_t>(reader.scalar<std::uint8_t>(what))};
    case kI16: return std::int64_t{static_cast<std::int16_t>(reader.scalar<std::uint16_t>(what))};
    case kI32: return std::int64_t{static_cast<std::int32_t>(reader.scalar<std::uint32_t>(what))};
    case kI64: return static_cast<std::int64_t>(reader.scalar<std::uint64_t>(what));
    case kF32: return static_cast<double>(reader.scalar<float>(what));
    case kF64: return reader.scalar<double>(what);
    case kBool: {
      const auto byte = reader.scalar<std::uint8_t>(what);
      if (byte > 1) reader.fail(fmt::format("{}: bool value {} is neither 0 nor 1", what, byte));
      return byte == 1;
    }
    case kString: {
      const auto length = reader.scalar<std::uint64_t>(what);
      reader.need(length, what);
      if (length > kMaxKeptString) {
        reader.skip(length, what);
        return std::nullopt;
      }
      std::string text(static_cast<std::size_t>(length), '\0');
      reader.read_bytes(text.data(), length, what);
      return text;
    }
    case kArray: return read_array(reader, what, 0);
    default: reader.fail(fmt::format("{}: unknown value type {}", what, type));
  }
}

/// a × b, or nullopt past kMaxElements.
std::optional<std::uint64_t> checked_product(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > kMaxElements / a) return std::nullopt;
  return a * b;
}

GgufTensorInfo read_tensor_info(Reader& reader, std::uint64_t index) {
  GgufTensorInfo t;
  t.name = reader.string(fmt::format("tensor {} name", index), kMaxKeyBytes);
  const std::string what = "tensor '" + printable(t.name) + "'";
  const auto n_dims = reader.scalar<std::uint32_t>(what);
  if (n_dims < 1 || n_dims > kMaxDims) reader.fail(fmt::format("{}: {} dimensions (1 to {} allowed)", what, n_dims, kMaxDims));
  t.elements = 1;
  for (std::uint32_t d = 0; d < n_dims; ++d) {
    const auto dim = reader.scalar<std::uint64_t>(what);
    if (dim == 0) reader.fail(fmt::format("{}: dimension {} is 0", what, d));
    const auto product = checked_product(t.elements, dim);
    if (!product) reader.fail(fmt::format("{}: more than 2^53 elements", what));
    t.elements = *product;
    t.dims.push_back(dim);
  }
  t.type_id = reader.scalar<std::uint32_t>(what);
  const GgmlTypeTraits* traits = ggml_type_traits(t.type_id);
  if (traits == nullptr) reader.fail(fmt::format("{}: unknown ggml type {}", what, t.type_id));
  if (t.dims[0] % traits->elements_per_block != 0)
    reader.fail(fmt::format("{}: first dimension {} is not a multiple of the {} block size {}", what, t.dims[0],
                            traits->name, traits->elements_per_block));
  t.bytes = t.elements / traits->elements_per_block * traits->bytes_per_block;  // < 2^53 × 292 / 256 fits
  t.offset_bytes = reader.scalar<std::uint64_t>(what);
  return t;
}

std::uint64_t round_up(std::uint64_t value, std::uint64_t alignment) {
  const std::uint64_t rest = value % alignment;
  return rest == 0 ? value : value + (alignment - rest);
}

}  // namespace

const GgmlTypeTraits* ggml_type_traits(std::uint32_t type_id) noexcept {
  if (type_id >= kGgmlTypes.size() || kGgmlTypes[type_id].elements_per_block == 0) return nullptr;
  return &kGgmlTypes[type_id];
}

std::string_view gguf_file_type_name(std::uint32_t file_type) noexcept {
  for (const auto& entry : kFileTypes)
    if (entry.id == file_type) return entry.name;
  return {};
}

const GgufValue* GgufFile::find(std::string_view key) const noexcept {
  const auto it = metadata.find(key);
  return it == metadata.end() ? nullptr : &it->second;
}

std::optional<std::string> GgufFile::string_value(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (const auto* text = std::get_if<std::string>(value)) return *text;
  throw InputError(fmt::format("{}: metadata '{}': expected a string", path, key));
}

std::optional<std::uint64_t> GgufFile::unsigned_value(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (const auto* u = std::get_if<std::uint64_t>(value)) return *u;
  if (const auto* i = std::get_if<std::int64_t>(value)) {
    if (*i < 0) throw InputError(fmt::format("{}: metadata '{}': {} is negative", path, key, *i));
    return static_cast<std::uint64_t>(*i);
  }
  throw InputError(fmt::format("{}: metadata '{}': expected an integer", path, key));
}

std::optional<double> GgufFile::number_value(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (const auto* u = std::get_if<std::uint64_t>(value)) return static_cast<double>(*u);
  if (const auto* i = std::get_if<std::int64_t>(value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(value)) return *d;
  throw InputError(fmt::format("{}: metadata '{}': expected a number", path, key));
}

const GgufArray* GgufFile::array_value(std::string_view key) const noexcept {
  const GgufValue* value = find(key);
  return value == nullptr ? nullptr : std::get_if<GgufArray>(value);
}

GgufFile parse_gguf(std::istream& in, std::uint64_t file_bytes, const std::string& path) {
  Reader reader(in, file_bytes, path);
  GgufFile file;
  file.path = path;
  file.file_bytes = file_bytes;
  char magic[4] = {};
  if (file_bytes < 4) reader.fail("not a GGUF file (shorter than the 4-byte magic)");
  reader.read_bytes(magic, 4, "magic");
  if (std::memcmp(magic, "GGUF", 4) != 0) reader.fail("not a GGUF file (no 'GGUF' magic at offset 0)");
  file.version = reader.scalar<std::uint32_t>("version");
  if (file.version == 1) reader.fail("GGUF version 1 is not supported (re-convert the model with a current llama.cpp)");
  if (file.version >= 0x01000000) reader.fail("big-endian GGUF is not supported");
  if (file.version != 2 && file.version != 3) reader.fail(fmt::format("GGUF version {} is not supported (2 and 3 are)", file.version));
  const auto tensor_count = reader.scalar<std::uint64_t>("tensor count");
  const auto kv_count = reader.scalar<std::uint64_t>("metadata count");
  // Smallest encodings: a key-value is 8 + 4 + 1 bytes, a tensor info 8 + 4 + 8 + 4 + 8.
  if (kv_count > reader.left() / 13)
    reader.fail(fmt::format("metadata count {} does not fit in the {} bytes left", kv_count, reader.left()));
  if (tensor_count > reader.left() / 32)
    reader.fail(fmt::format("tensor count {} does not fit in the {} bytes left", tensor_count, reader.left()));

  for (std::uint64_t i = 0; i < kv_count; ++i) {
    std::string key = reader.string(fmt::format("metadata key {}", i), kMaxKeyBytes);
    const auto type = reader.scalar<std::uint32_t>("metadata value type");
    const std::string what = "metadata '" + printable(key) + "'";
    std::optional<GgufValue> value = read_value(reader, type, what);
    if (file.metadata.count(key) != 0) reader.fail(what + ": repeated key");
    if (value) file.metadata.emplace(std::move(key), std::move(*value));
  }
  if (const GgufValue* alignment = file.find("general.alignment")) {
    const auto* value = std::get_if<std::uint64_t>(alignment);
    if (value == nullptr || *value == 0 || *value > (1u << 30) || (*value & (*value - 1)) != 0)
      reader.fail("metadata 'general.alignment': must be an unsigned power of two up to 2^30");
    file.alignment = *value;
  }

  file.tensors.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(tensor_count, 1u << 16)));  // a count is a claim
  std::set<std::string, std::less<>> names;
  for (std::uint64_t i = 0; i < tensor_count; ++i) {
    GgufTensorInfo tensor = read_tensor_info(reader, i);
    if (!names.insert(tensor.name).second) reader.fail("tensor '" + printable(tensor.name) + "': repeated name");
    file.tensors.push_back(std::move(tensor));
  }
  file.data_offset = round_up(reader.position(), file.alignment);
  // The data must be in the file: a truncated download is refused here, without reading it.
  for (const auto& t : file.tensors) {
    const std::string what = "tensor '" + printable(t.name) + "'";
    if (t.offset_bytes % file.alignment != 0)
      reader.fail(fmt::format("{}: data offset {} is not a multiple of the alignment {}", what, t.offset_bytes,
                              file.alignment));
    const std::uint64_t room = file_bytes >= file.data_offset ? file_bytes - file.data_offset : 0;
    if (t.offset_bytes > room || t.bytes > room - t.offset_bytes)
      reader.fail(fmt::format("truncated: {} ({} bytes at data offset {}) ends beyond the file's {} bytes", what,
                              t.bytes, t.offset_bytes, file_bytes));
  }
  return file;
}

GgufFile read_gguf_header(const std::string& path) {
  io::InputFile file(path, io::InputKind::seekable);  // refuses a FIFO or device before it can block
  io::InputFileBuffer buffer(file);
  std::istream in(&buffer);
  return parse_gguf(in, file.size_bytes(), path);
}

}  // namespace llmfit
