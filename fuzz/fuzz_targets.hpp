#pragma once
// The fuzz targets' entry logic, shared by the libFuzzer binaries (fuzz/fuzzer_main.cpp) and the
// regression test that replays the corpus and every saved reproducer in the ordinary build
// (tests/fuzz_regression_test.cpp). An entry takes raw bytes and must either accept them or throw
// llmfit::InputError with a one-line message; whatever it accepts must predict finite numbers or
// say "out of range". Anything else (another exception, a broken invariant, a sanitizer report, a
// hang) is a finding.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>

#include "llmfit/io/hf_config.hpp"
#include "llmfit/io/output_file.hpp"
#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"
#include "llmfit/runs.hpp"

namespace llmfit::fuzz {

/// A broken invariant. Not caught by the entries: libFuzzer reports it as a crash, GoogleTest as a
/// failure naming the input file.
class InvariantViolation : public std::logic_error {
 public:
  explicit InvariantViolation(const std::string& what) : std::logic_error("invariant violated: " + what) {}
};

inline void require(bool condition, const std::string& what) {
  if (!condition) throw InvariantViolation(what);
}

/// A user-facing error is one non-empty line without control characters.
/// A file's text ("" when it cannot be read).
inline std::string test_read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void check_error_text(std::string_view message) {
  require(!message.empty(), "empty error message");
  for (const char c : message)
    require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, "control character in an error message");
}

/// Every figure of a prediction is finite; out of range means zero speeds; fits means the total
/// is within what is usable. `roofline`: also decode <= the bandwidth ceiling (holds for constants
/// with efficiencies <= 1, i.e. the shipped ones, not for any profile a user may write).
inline void check_prediction(const Prediction& p, bool roofline) {
  const MemoryFit& f = p.fit;
  for (double v : {f.weights_bytes, f.kv_cache_bytes, f.compute_buffer_bytes, f.runtime_overhead_bytes, f.total_bytes,
                   f.device_memory_bytes, f.available_bytes, f.os_reserved_bytes, f.host_available_bytes,
                   f.offloaded_bytes})
    require(std::isfinite(v) && v >= 0, "memory figure not finite and >= 0");
  require(std::isfinite(f.margin_bytes) && f.margin_bytes >= 0, "margin not finite and >= 0");
  require(f.fits == (f.total_bytes + f.margin_bytes <= f.available_bytes),
          "fits disagrees with total + margin <= available");
  require(f.fits == (f.verdict == FitVerdict::fits), "fits disagrees with the verdict");
  require(f.gpu_layers >= 0 && f.cpu_layers >= 0, "negative layer count");
  for (double v : {p.decode_tok_s, p.prefill_tok_s, p.ttft_s, p.sustained_decode_tok_s, p.aggregate_decode_tok_s,
                   p.decode_ceiling_tok_s}) {
    require(std::isfinite(v), "speed not finite");
    require(p.in_range ? v > 0 : v == 0, p.in_range ? "in range with a speed <= 0" : "out of range with a speed");
  }
  if (roofline && p.in_range) require(p.decode_tok_s <= p.decode_ceiling_tok_s, "decode above the bandwidth ceiling");
}

inline void check_context_scaling(const std::vector<ContextPoint>& points) {
  for (const auto& point : points) {
    require(point.context > 0, "context point <= 0");
    require(std::isfinite(point.decode_tok_s) && point.decode_tok_s >= 0, "context point decode not finite");
    require(std::isfinite(point.ttft_s) && point.ttft_s >= 0, "context point TTFT not finite");
  }
}

inline void check_json_numbers(const nlohmann::json& doc) {
  if (doc.is_number_float()) require(std::isfinite(doc.get<double>()), "non-finite number in the JSON");
  if (doc.is_structured())
    for (const auto& item : doc) check_json_numbers(item);
}

/// The whole answer path a CLI user reaches: resolve, predict, context scaling, card and JSON.
inline void check_answer(const Catalog& catalog, const Query& query, const EfficiencyProfile& profile,
                         bool roofline) {
  Answer answer;
  try {
    answer = answer_query(catalog, query, profile);
  } catch (const InputError& e) {
    check_error_text(e.what());
    return;
  }
  check_prediction(answer.prediction, roofline);
  check_context_scaling(answer.context_scaling);
  // The card is rendered for the sanitizers' sake; its numbers come from the checked prediction.
  (void)render_answer(answer, Format::text);
  // The JSON document must parse; nlohmann::json writes inf and nan as null silently, so the speeds of an
  // answer in range must have stayed numbers.
  const nlohmann::json doc = nlohmann::json::parse(render_answer(answer, Format::json));
  check_json_numbers(doc);
  if (answer.prediction.in_range)
    for (const char* key : {"decode_tok_s", "prefill_tok_s", "ttft_s", "decode_ceiling_tok_s"})
      require(doc[key].is_number(), "an in-range speed written as null in the JSON");
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Target `catalog_yaml`: a user catalogue file. Parsed, layered over the shipped catalogue, and
/// its first entries answered against shipped ones (a user chip runs a shipped model, a user model
/// runs on a shipped chip, a shipped model in a user quant).
inline void catalog_yaml(const std::uint8_t* data, std::size_t size) {
  CatalogData parsed;
  try {
    parsed = parse_catalog_yaml(as_text(data, size), "fuzz.yaml");
  } catch (const InputError& e) {
    check_error_text(e.what());
    return;
  }
  Catalog catalog = Catalog::builtin();
  try {
    catalog.add_source(parsed, "fuzz.yaml");
  } catch (const InputError& e) {
    check_error_text(e.what());
    return;
  }
  const EfficiencyProfile& profile = default_efficiency_profile();
  constexpr std::size_t kEntriesChecked = 3;
  Query query;
  for (std::size_t i = 0; i < parsed.hardware.size() && i < kEntriesChecked; ++i) {
    query.hardware = parsed.hardware[i].id;
    query.model = "llama-3.1-8b-q4_k_m";
    check_answer(catalog, query, profile, /*roofline=*/true);
  }
  for (std::size_t i = 0; i < parsed.models.size() && i < kEntriesChecked; ++i) {
    query.model = parsed.models[i].id;
    for (const char* hw : {"rtx-4090", "m2-max", "ddr5-5600-dual"}) {
      query.hardware = hw;
      check_answer(catalog, query, profile, /*roofline=*/true);
    }
  }
  for (std::size_t i = 0; i < parsed.quants.size() && i < kEntriesChecked; ++i) {
    query.hardware = parsed.quants[i].format == QuantFormat::mlx ? "m2-max" : "rtx-4090";
    query.model = "qwen3-coder-30b-a3b-" + parsed.quants[i].id;
    check_answer(catalog, query, profile, /*roofline=*/true);
  }
}

/// Target `profile_yaml`: an efficiency profile (`--calibration`). Parsed; written back and read
/// again unchanged; every entry's constants predict finite numbers for a dense and an MoE model.
inline void profile_yaml(const std::uint8_t* data, std::size_t size) {
  EfficiencyProfile profile;
  try {
    profile = parse_profile_yaml(as_text(data, size), "fuzz-profile.yaml");
  } catch (const InputError& e) {
    check_error_text(e.what());
    return;
  }
  const std::string written = profile_to_yaml(profile);
  EfficiencyProfile reread;
  try {
    reread = parse_profile_yaml(written, "written-profile.yaml");
  } catch (const InputError& e) {
    throw InvariantViolation(std::string("a written profile does not read back: ") + e.what());
  }
  require(profile_to_yaml(reread) == written, "a written profile reads back different");
  const Catalog& catalog = Catalog::builtin();
  Query query;
  for (const auto& [hw, model] : {std::pair{"m2-max", "qwen3-coder-q4"}, std::pair{"rtx-4090", "llama-3.1-8b-q4"}}) {
    query.hardware = hw;
    query.model = model;
    check_answer(catalog, query, profile, /*roofline=*/false);
  }
}

/// Splits fuzz bytes into lines (the resolver target's fields).
inline std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size() && out.size() < 16) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

/// Target `resolve`: a command line's names and numbers, one per line, in this order: hardware
/// (`id[:count][@GiB]` or a name as people write it), model (`model[-quant]`, an Ollama tag, a repo, a file), backend, api, host, kv type, context, prompt tokens,
/// batch, memory GiB, GPU memory fraction, host memory GiB, offload (0 = --no-offload), vLLM GPU share. Absent or
/// unparsable numbers keep their default, as the CLI would refuse them before the library sees them.
inline void resolve(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::string> field = lines_of(as_text(data, size));
  auto text = [&](std::size_t i) { return i < field.size() ? field[i] : std::string(); };
  auto integer = [&](std::size_t i, std::int64_t fallback) {
    const std::string s = text(i);
    char* end = nullptr;
    const long long value = std::strtoll(s.c_str(), &end, 10);
    return s.empty() || end != s.c_str() + s.size() ? fallback : static_cast<std::int64_t>(value);
  };
  auto real = [&](std::size_t i) {  // strtod reads "nan", "inf", "-1e308": the CLI's double flags do too
    const std::string s = text(i);
    char* end = nullptr;
    const double value = std::strtod(s.c_str(), &end);
    return s.empty() || end != s.c_str() + s.size() ? 0.0 : value;
  };
  // Each name on its own (so a bad hardware name does not hide the model resolver), then the whole
  // query when both resolve (a bad name's suggestions are the slow part: computed once).
  const Catalog& catalog = Catalog::builtin();
  bool names_resolve = true;
  try {
    (void)catalog.resolve_hardware(text(0));
  } catch (const InputError& e) {
    check_error_text(e.what());
    names_resolve = false;
  }
  try {
    (void)catalog.resolve_model(text(1));
  } catch (const InputError& e) {
    check_error_text(e.what());
    names_resolve = false;
  }
  if (!names_resolve) return;
  Query query;
  query.hardware = text(0);
  query.model = text(1);
  query.backend = text(2);
  query.api = text(3);
  query.host = text(4);
  if (field.size() > 5) query.kv_type = text(5);
  // 0 stands for "not given" here, so that the defaults are fuzzed too (a given 0 is refused).
  if (const std::int64_t context = integer(6, 0); context != 0) query.context_tokens = context;
  if (const std::int64_t prompt = integer(7, 0); prompt != 0) query.prompt_tokens = prompt;
  const std::int64_t batch = integer(8, 1);
  query.batch = batch >= -(1LL << 30) && batch <= (1LL << 30) ? static_cast<int>(batch) : 1;  // CLI int range
  if (const double memory = real(9); memory != 0) query.memory_gib = memory;
  if (const double share = real(10); share != 0) query.gpu_memory_fraction = share;
  if (const double host = real(11); host != 0) query.host_memory_gib = host;
  query.allow_offload = text(12) != "0";
  if (const double share = real(13); share != 0) query.gpu_memory_utilization = share;
  check_answer(catalog, query, shipped_efficiency_profile(), /*roofline=*/true);
}

/// What a run reader accepted: catalogue ids that exist, counts in the readers' range, a finite
/// positive speed; skipped records carry a one-line reason.
inline void check_run_set(const RunSet& set, const Catalog& catalog, const std::string& file_name) {
  for (const auto& run : set.runs) {
    require(run.file == file_name, "a run names another file");
    require(catalog.find_hardware(run.hardware_id) != nullptr, "a run's hardware is not in the catalogue");
    require(catalog.find_model(run.model_id) != nullptr, "a run's model is not in the catalogue");
    require(catalog.find_quant(run.quant_id) != nullptr, "a run's quantisation is not in the catalogue");
    require(run.device_count >= 1 && run.device_count <= 64, "a run's device count is outside 1..64");
    for (std::int64_t n : {run.n_prompt, run.n_gen, run.n_depth})
      require(n >= 0 && n <= 1'000'000'000, "a run's token count is outside 0..10^9");
    require(std::isfinite(run.tok_s) && run.tok_s > 0 && run.tok_s <= 1e8, "a run's tok/s is not finite in (0, 1e8]");
    for (double v : {run.stddev_tok_s, run.weight_bytes, run.params})
      require(std::isfinite(v) && v >= 0, "a run's stddev, weight bytes or params not finite and >= 0");
    require(std::isfinite(run.mean_depth_tokens()) && run.mean_depth_tokens() >= 0, "a run's mean depth < 0");
  }
  for (const auto& skip : set.skipped) {
    require(skip.file == file_name, "a skipped record names another file");
    check_error_text(skip.reason);
  }
}

/// Target `runs`: a measured-run file (`llmfit calibrate` / `validate` inputs): llmfit's JSON and
/// JSON-lines schema, llama-bench `-o json` / `-o jsonl` (old and new field names), an Ollama
/// response, the public CSV. Parsed without defaults, with `--hw` (so llama-bench and Ollama records
/// map), and with `--hw --model --strict`; the accepted runs, written in llmfit's schema, must read
/// back as the same runs.
inline void runs(const std::uint8_t* data, std::size_t size) {
  const Catalog& catalog = Catalog::builtin();
  const std::string file_name = "fuzz-runs.json";
  RunDefaults with_hardware;
  with_hardware.hardware = "rtx-4090";
  RunDefaults strict;
  strict.hardware = "m2-max:2";
  strict.model = "llama-3.1-8b-q4_k_m";
  strict.strict = true;
  for (const RunDefaults& defaults : {RunDefaults{}, with_hardware, strict}) {
    RunSet set;
    try {
      set = parse_runs(as_text(data, size), file_name, catalog, defaults);
    } catch (const InputError& e) {
      check_error_text(e.what());
      continue;
    }
    check_run_set(set, catalog, file_name);
    if (defaults.strict) require(set.skipped.empty(), "strict parsing skipped a record");
    if (set.runs.empty()) continue;
    const std::string written = runs_to_json_text(set.runs);
    RunSet reread;
    try {
      reread = parse_runs(written, file_name, catalog, RunDefaults{});
    } catch (const InputError& e) {
      throw InvariantViolation(std::string("written runs do not read back: ") + e.what());
    }
    require(reread.skipped.empty(), "a written run is skipped on reading back: " +
                                        (reread.skipped.empty() ? std::string() : reread.skipped.front().reason));
    require(reread.runs.size() == set.runs.size(), "written runs read back as a different number");
    for (std::size_t i = 0; i < set.runs.size(); ++i) {
      const MeasuredRun& a = set.runs[i];
      const MeasuredRun& b = reread.runs[i];
      require(a.hardware_id == b.hardware_id && a.device_count == b.device_count && a.model_id == b.model_id &&
                  a.quant_id == b.quant_id && a.backend == b.backend && a.api == b.api && a.test == b.test &&
                  a.n_prompt == b.n_prompt && a.n_gen == b.n_gen && a.n_depth == b.n_depth && a.tok_s == b.tok_s &&
                  a.kv_type == b.kv_type && a.flash_attn == b.flash_attn,
              "a written run reads back different");
    }
  }
}

/// Target `hf_config`: a Hugging Face config.json (`--hf-config`). Parsed as the CLI reads it; an
/// accepted model passes validate(), carries the shape's parameter counts, suggests a catalogue quant,
/// layers onto the shipped catalogue, and answers on a GPU, unified memory and a CPU; notes are one line.
inline void hf_config(const std::uint8_t* data, std::size_t size) {
  HfConfigModel read;
  try {
    read = model_from_hf_config_text(as_text(data, size), "fuzz-config.json", "fuzz-model");
  } catch (const InputError& e) {
    check_error_text(e.what());
    return;
  }
  const ModelSpec& model = read.model;
  require(validate(model).empty(), "an accepted config fails validate(): " + validate(model));
  const ParamBreakdown params = shape_params(model);
  require(model.params_b == params.total() / 1e9, "params_b is not the shape's total");
  require(model.active_params_b == (model.is_moe() ? params.active() : params.total()) / 1e9,
          "active_params_b is not the shape's active count");
  for (const auto& note : read.notes) check_error_text(note);
  Catalog catalog = Catalog::builtin();
  require(catalog.find_quant(read.suggested_quant) != nullptr, "suggested quant not in the catalogue: " + read.suggested_quant);
  try {
    catalog.add_source(CatalogData{{}, {model}, {}}, "fuzz-config.json");
  } catch (const InputError& e) {
    throw InvariantViolation(std::string("an accepted config does not layer onto the catalogue: ") + e.what());
  }
  Query query;
  query.model = model.id;
  for (const char* hw : {"rtx-4090", "m2-max", "ddr5-5600-dual"}) {
    query.hardware = hw;
    check_answer(catalog, query, shipped_efficiency_profile(), /*roofline=*/true);
  }
}

/// Target `gguf`: a GGUF model file's header (`--model-file`). Parsed twice: at its real size (the
/// tensor data must be in the file) and as the header of a file a terabyte long (data assumed
/// present, so the model stage is reached with tiny inputs). An accepted model must validate, weigh
/// exactly its tensors, layer onto the catalogue and answer on two chips.
inline void gguf(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(as_text(data, size));
  for (const std::uint64_t declared_size : {std::uint64_t{size}, std::uint64_t{size} + (std::uint64_t{1} << 40)}) {
    GgufFile file;
    try {
      std::istringstream in(bytes);
      file = parse_gguf(in, declared_size, "fuzz.gguf");
    } catch (const InputError& e) {
      check_error_text(e.what());
      continue;
    }
    ModelFileInfo info;
    try {
      info = model_from_gguf({file}, Catalog::builtin(), "fuzz-model");
    } catch (const InputError& e) {
      check_error_text(e.what());
      continue;
    }
    require(validate(info.model).empty(), "an accepted GGUF model fails validate()");
    double tensor_bytes = 0;
    for (const auto& t : file.tensors) tensor_bytes += static_cast<double>(t.bytes);
    require(info.model.file_weights.total_bytes() == tensor_bytes, "file weights are not the tensors' sum");
    for (const auto& note : info.notes) check_error_text(note);
    Catalog catalog = Catalog::builtin();
    try {
      catalog.add_source(info.catalog_data(), "fuzz.gguf");
    } catch (const InputError& e) {
      throw InvariantViolation(std::string("an accepted GGUF model does not layer onto the catalogue: ") + e.what());
    }
    Query query;
    query.model = info.model.id;
    for (const char* hw : {"rtx-4090", "m2-max"}) {
      query.hardware = hw;
      check_answer(catalog, query, shipped_efficiency_profile(), /*roofline=*/true);
    }
  }
}

/// Target `yaml_budget`: any text as a catalogue and as a profile. Whatever is accepted holds one YAML
/// document, no key twice in a mapping, and at most a million nodes with its aliases expanded (the
/// reader's budget); the time and memory limits of the fuzzer catch an expansion that is not counted.
inline std::uint64_t expanded_nodes(const YAML::Node& node, std::uint64_t cap) {
  std::uint64_t count = 1;
  if (node.IsSequence() || node.IsMap()) {
    for (const auto& item : node) {
      if (count > cap) break;
      if (node.IsMap()) {
        count += expanded_nodes(item.first, cap) + expanded_nodes(item.second, cap);
      } else {
        count += expanded_nodes(item, cap);
      }
    }
  }
  return count;
}

inline bool has_repeated_key(const YAML::Node& node, int depth = 0) {
  if (depth > 600) return false;
  if (node.IsMap()) {
    std::vector<std::string> keys;
    for (const auto& item : node) {
      if (item.first.IsScalar()) keys.push_back(item.first.Scalar());
      if (has_repeated_key(item.second, depth + 1)) return true;
    }
    std::sort(keys.begin(), keys.end());
    for (std::size_t i = 1; i < keys.size(); ++i)
      if (keys[i] == keys[i - 1] && keys[i] != "<<") return true;
  } else if (node.IsSequence()) {
    for (const auto& item : node)
      if (has_repeated_key(item, depth + 1)) return true;
  }
  return false;
}

inline void yaml_budget(const std::uint8_t* data, std::size_t size) {
  const std::string text(as_text(data, size));
  for (int reader = 0; reader < 2; ++reader) {
    try {
      if (reader == 0) (void)parse_catalog_yaml(text, "fuzz.yaml");
      else (void)parse_profile_yaml(text, "fuzz.yaml");
    } catch (const InputError& e) {
      check_error_text(e.what());
      continue;
    }
    const std::vector<YAML::Node> documents = YAML::LoadAll(text);
    require(documents.size() <= 1, "a text of several YAML documents was accepted");
    if (documents.empty()) continue;
    require(expanded_nodes(documents.front(), 2'000'000) <= 1'000'000, "more than 10^6 expanded nodes accepted");
    require(!has_repeated_key(documents.front()), "a mapping with a repeated key was accepted");
  }
}

/// Target `output_file`: the output writer's decisions on a scratch folder the input sets up: what the
/// target is (absent, a file of some mode, a link to one, a dangling link, a folder, /dev/null, a file
/// this process read as an input), what is planted beside it (links at temporary-like names), one or two
/// outputs. Whatever happens, nothing but the named outputs changes, a device stays a device, no
/// temporary is left, a replaced file keeps its mode, and an error leaves every output as it was.
inline void output_file(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  if (size < 3) return;
  static const fs::path root = fs::temp_directory_path() / ("llmfit-fuzz-output-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "d");
  const fs::path dir = root / "d";
  const std::string content(as_text(data + 3, size - 3));
  const auto write_text = [](const fs::path& path, const std::string& text) { std::ofstream(path) << text; };
  write_text(root / "victim", "victim");
  const fs::path target = dir / "out.txt";
  const int kind = data[0] % 8;
  switch (kind) {
    case 1: write_text(target, "old"); fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write); break;
    case 2: write_text(target, "old"); fs::permissions(target, fs::perms::owner_read | fs::perms::group_read); break;
    case 3: write_text(dir / "real.txt", "old"); fs::create_symlink(dir / "real.txt", target); break;
    case 4: fs::create_symlink(dir / "missing.txt", target); break;
    case 5: fs::create_directory(target); break;
    case 6: break;  // /dev/null below
    case 7: write_text(target, "schema: 1\n"); (void)load_catalog_path(target.string()); break;
    default: break;
  }
  if (data[1] & 1) fs::create_symlink(root / "victim", dir / "out.txt.tmp-llmfit");
  if (data[1] & 2) fs::create_symlink(root / "victim", dir / ".out.txt.llmfit-tmp");
  const std::string path = kind == 6 ? "/dev/null" : target.string();
  std::vector<fs::path> before;
  for (const auto& entry : fs::directory_iterator(dir)) before.push_back(entry.path());
  std::sort(before.begin(), before.end());
  const fs::path resolved = kind == 3 ? dir / "real.txt" : target;
  const auto mode_before = fs::exists(resolved) ? fs::status(resolved).permissions() : fs::perms::none;
  const bool two = (data[2] & 1) != 0;
  const std::string second = (data[2] & 2) ? path : (dir / "second.txt").string();
  bool ok = true;
  try {
    if (two) {
      const std::vector<std::pair<std::string, std::string>> outputs{{path, content}, {second, "second"}};
      write_files_atomically(outputs);
    } else {
      write_file_atomically(path, content);
    }
  } catch (const InputError& e) {
    check_error_text(e.what());
    ok = false;
  }
  require(test_read(root / "victim") == "victim", "a file beside the output changed");
  require(fs::is_character_file("/dev/null"), "/dev/null is no longer a device");
  std::vector<fs::path> after;
  for (const auto& entry : fs::directory_iterator(dir)) after.push_back(entry.path());
  std::sort(after.begin(), after.end());
  std::vector<fs::path> expected = before;
  if (ok && kind != 6 && std::find(before.begin(), before.end(), target) == before.end()) expected.push_back(target);
  if (ok && two && second != path && std::find(expected.begin(), expected.end(), fs::path(second)) == expected.end())
    expected.push_back(second);
  std::sort(expected.begin(), expected.end());
  require(after == expected, "the folder holds other files than the outputs (a temporary left behind?)");
  if (kind == 3) require(fs::is_symlink(target), "a link output was replaced by a file");
  if (ok && kind != 6) {
    require(test_read(resolved) == content, "the output does not hold what was written");
    if (mode_before != fs::perms::none)
      require(fs::status(resolved).permissions() == mode_before, "a replaced file changed its mode");
  }
  if (!ok && (kind == 1 || kind == 2 || kind == 3 || kind == 7))
    require(test_read(resolved) == (kind == 7 ? "schema: 1\n" : "old"), "a failed write changed the output");
  if (!ok && two && second != path) require(!fs::exists(second), "a failed command published one of its outputs");
}

/// What detection reads from tools and firmware (`llmfit detect`, `--hw auto`): the bytes go to every parser
/// (nvidia-smi, lspci, rocm-smi, system_profiler, /proc files, sysctl, dmidecode, the SMBIOS table); none may
/// throw; every figure kept is finite and positive, every PCI id "vvvv:dddd"; the GPUs found are identified
/// and, when one is usable, layered onto the shipped catalogue as valid entries, and the report renders.
inline void detect_parsers(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = as_text(data, size);
  MachineEvidence e;
  auto check_gpus = [](const std::vector<GpuEvidence>& gpus) {
    for (const auto& g : gpus) {
      for (const Reading* r : {&g.memory_total_bytes, &g.memory_free_bytes, &g.gtt_total_bytes})
        require(std::isfinite(r->value) && r->value >= 0, "a GPU figure is not finite and >= 0");
      require(g.pci_id.empty() || (g.pci_id.size() == 9 && g.pci_id[4] == ':'), "PCI id not vvvv:dddd");
    }
  };
  for (auto parse : {&parse_nvidia_smi, &parse_lspci, &parse_rocm_smi, &parse_system_profiler_displays}) {
    std::vector<GpuEvidence> gpus = parse(text);
    check_gpus(gpus);
    e.gpus.insert(e.gpus.end(), gpus.begin(), gpus.end());
  }
  parse_cpuinfo(text, e.cpu);
  parse_meminfo(text, e.memory);
  parse_sysctl(text, e);
  std::vector<MemoryModule> modules = parse_dmidecode_memory(text);
  const std::vector<MemoryModule> smbios = parse_smbios_memory(text);
  modules.insert(modules.end(), smbios.begin(), smbios.end());
  for (const auto& m : modules)
    require(std::isfinite(m.size_bytes) && m.size_bytes >= 0 && std::isfinite(m.speed_mt_s) && m.speed_mt_s >= 0,
            "a memory module figure is not finite and >= 0");
  summarize_memory_modules(modules, "fuzz", e.memory);
  require(e.memory.bus_bits >= 0 && e.memory.channels >= 0, "negative memory channels");
  const IdentifiedMachine machine = identify_machine(Catalog::builtin(), e);
  for (const auto& d : machine.devices)
    require(std::isfinite(d.memory_total_gib) && std::isfinite(d.bandwidth_gb_s) && d.bandwidth_gb_s >= 0,
            "an identified figure is not finite");
  (void)render_detected(e, machine, Format::json);
  (void)render_detected(e, machine, Format::text);
  if (machine.primary < 0) return;
  Catalog layered = Catalog::builtin();
  try {
    layered.add_source(detected_catalog_data(machine), "detected");
  } catch (const InputError& error) {
    throw InvariantViolation(std::string("the detected entries are not valid: ") + error.what());
  }
}

/// Every target, by name: the fuzzer binaries (fuzz_<name>), the corpus folders
/// (fuzz/corpus/<name>/, fuzz/regressions/<name>/) and the regression test use this table.
struct Target {
  const char* name;
  void (*entry)(const std::uint8_t*, std::size_t);
  std::vector<const char*> extra_seed_folders;  // relative to the source tree
};

inline const std::vector<Target>& targets() {
  static const std::vector<Target> all = {
      {"catalog_yaml", &catalog_yaml, {"hardware-db", "models-db"}},
      {"profile_yaml", &profile_yaml, {"profiles"}},
      {"resolve", &resolve, {}},
      {"runs", &runs, {"tests/data/runs"}},
      {"hf_config", &hf_config, {"tests/data/hf-configs"}},
      {"gguf", &gguf, {}},
      {"yaml_budget", &yaml_budget, {"hardware-db", "profiles"}},
      {"output_file", &output_file, {}},
      {"detect_parsers", &detect_parsers, {}},
  };
  return all;
}

}  // namespace llmfit::fuzz
