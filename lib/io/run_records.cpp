// What every run reader shares (run_records.hpp).
#include "run_records.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "llmfit/errors.hpp"

namespace llmfit::io {

std::string format_double(double value) {
  std::ostringstream out;
  out.precision(6);
  out << value;
  return out.str();
}

const json* member(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

double number_value(const json& value, const char* key) {
  if (!value.is_number()) reject(std::string(key) + ": must be a number, not " + clip(value.dump(), 40));
  const double x = value.get<double>();
  if (!std::isfinite(x)) reject(std::string(key) + ": must be finite");
  return x;
}

std::optional<double> optional_number(const json& object, const char* key) {
  const json* value = member(object, key);
  if (value == nullptr) return std::nullopt;
  return number_value(*value, key);
}

std::optional<std::int64_t> whole_count(double x) {
  if (!std::isfinite(x) || x < 0 || x > kMaxRunCount || std::floor(x) != x) return std::nullopt;
  return static_cast<std::int64_t>(x);
}

/// A token count: a whole number from 0 to 10^9.
std::optional<std::int64_t> optional_count(const json& object, const char* key) {
  const auto x = optional_number(object, key);
  if (!x) return std::nullopt;
  const auto count = whole_count(*x);
  if (!count) reject(std::string(key) + ": must be a whole number of tokens from 0 to 10^9, not " + format_double(*x));
  return count;
}

std::int64_t required_count(const json& object, const char* key) {
  const auto x = optional_count(object, key);
  if (!x) reject(std::string(key) + ": missing");
  return *x;
}

std::optional<std::string> optional_string(const json& object, const char* key) {
  const json* value = member(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) reject(std::string(key) + ": must be a string");
  return value->get<std::string>();
}

double checked_rate(double tok_s, RunTest test, const char* key) {
  if (const auto problem = measured_rate_problem(test, tok_s)) reject(std::string(key) + ": " + *problem);
  return tok_s;
}

double optional_stddev(const json& object, const char* key) {
  const double stddev = optional_number(object, key).value_or(0);
  if (stddev < 0) reject(std::string(key) + ": a standard deviation must be >= 0, not " + format_double(stddev));
  return stddev;
}

void read_run_conditions(const json& record, MeasuredRun& run) {
  auto whole = [&](const char* key, double high) -> int {
    const auto x = optional_number(record, key);
    if (!x) return 0;
    if (*x < 1 || *x > high || std::floor(*x) != *x)
      reject(std::string(key) + ": must be a whole number from 1 to " + format_double(high) + ", not " + format_double(*x));
    return static_cast<int>(*x);
  };
  run.n_ubatch = whole("n_ubatch", kMicroBatchTokensRange.second);
  run.n_threads = whole("n_threads", 4096);
}

namespace {

/// The latency fields of one figure ("ttft" → mean_ttft_ms, median_ttft_ms, p99_ttft_ms), vLLM's names.
struct LatencyKeys {
  const char* mean;
  const char* median;
  const char* p99;
  LatencyMs MeasuredRun::*member;
};
constexpr LatencyKeys kLatencyKeys[] = {{"mean_ttft_ms", "median_ttft_ms", "p99_ttft_ms", &MeasuredRun::ttft_ms},
                                        {"mean_tpot_ms", "median_tpot_ms", "p99_tpot_ms", &MeasuredRun::tpot_ms}};

constexpr std::string_view kBatchedFieldNames[] = {
    "batch", "shared_prompt", "identical_tokens", "rate_includes_prefill", "per_user_decode_tok_s", "mean_ttft_ms", "median_ttft_ms",
    "p99_ttft_ms", "mean_tpot_ms", "median_tpot_ms", "p99_tpot_ms", "requests_per_s", "success_rate"};

std::optional<bool> optional_bool(const json& object, const char* key) {
  const json* value = member(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) reject(std::string(key) + ": must be true or false");
  return value->get<bool>();
}

/// A stated figure that must be above 0 (0 means "not stated" in MeasuredRun, so a stated 0 is refused).
double positive_or_absent(const json& object, const char* key) {
  const auto x = optional_number(object, key);
  if (!x) return 0;
  if (*x <= 0) reject(std::string(key) + ": must be above 0, not " + format_double(*x));
  return *x;
}

}  // namespace

std::span<const std::string_view> batched_field_names() { return kBatchedFieldNames; }

void read_batched_fields(const json& record, MeasuredRun& run) {
  if (const auto batch = optional_number(record, "batch")) {
    if (*batch < 1 || *batch > limits::kMaxRunBatch || std::floor(*batch) != *batch)
      reject("batch: must be a whole number of sequences from 1 to " + std::to_string(limits::kMaxRunBatch) + ", not " +
             format_double(*batch));
    run.batch = static_cast<int>(*batch);
  }
  run.shared_prompt = optional_bool(record, "shared_prompt").value_or(false);
  run.identical_tokens = optional_bool(record, "identical_tokens").value_or(false);
  run.rate_includes_prefill = optional_bool(record, "rate_includes_prefill").value_or(false);
  run.per_user_decode_tok_s = positive_or_absent(record, "per_user_decode_tok_s");
  for (const LatencyKeys& keys : kLatencyKeys) {
    LatencyMs& latency = run.*keys.member;
    latency.mean = positive_or_absent(record, keys.mean);
    latency.median = positive_or_absent(record, keys.median);
    latency.p99 = positive_or_absent(record, keys.p99);
  }
  run.requests_per_s = positive_or_absent(record, "requests_per_s");
  if (const auto rate = optional_number(record, "success_rate")) run.success_rate = *rate;
}

void write_batched_fields(const MeasuredRun& run, json& record) {
  if (run.batch != 1) record["batch"] = run.batch;
  if (run.shared_prompt) record["shared_prompt"] = true;
  if (run.identical_tokens) record["identical_tokens"] = true;
  if (run.rate_includes_prefill) record["rate_includes_prefill"] = true;
  if (run.per_user_decode_tok_s > 0) record["per_user_decode_tok_s"] = run.per_user_decode_tok_s;
  for (const LatencyKeys& keys : kLatencyKeys) {
    const LatencyMs& latency = run.*keys.member;
    if (latency.mean > 0) record[keys.mean] = latency.mean;
    if (latency.median > 0) record[keys.median] = latency.median;
    if (latency.p99 > 0) record[keys.p99] = latency.p99;
  }
  if (run.requests_per_s > 0) record["requests_per_s"] = run.requests_per_s;
  if (run.success_rate != 1) record["success_rate"] = run.success_rate;
}

void check_batched(const MeasuredRun& run) {
  if (const auto problem = batched_run_problem(run)) reject(*problem);
}

/// "2024-05-10T12:00:00Z" → "2024".
std::string year_of(std::string_view timestamp) {
  if (timestamp.size() >= 4 && std::all_of(timestamp.begin(), timestamp.begin() + 4, [](char c) { return c >= '0' && c <= '9'; }))
    return std::string(timestamp.substr(0, 4));
  return "";
}

/// `--model`: must name a quantisation (or be an Ollama tag, which holds one), since runs are measured with one.
ModelQuant model_from_flag(const Catalog& catalog, const std::string& text) {
  const ModelChoice choice = catalog.resolve_model(text);
  if (!choice.quant_stated())
    throw InputError(field("model") + " '" + clip(text) + "': name the quantisation the runs used, e.g. " + choice.model->id +
                     "-q4_k_m");
  return {choice.model, choice.quant};
}

HardwareSlugMatch hardware_from_flag(const Catalog& catalog, const std::string& text) {
  const HardwareChoice choice = catalog.resolve_hardware(text);
  if (choice.memory_gib > 0)
    throw InputError(field("hardware") + " '" + clip(text) +
                     "': a capacity does not apply to measured runs (they ran with the machine's memory)");
  return {choice.hardware, choice.count};
}

/// A model named by a file stem or an Ollama tag ("Meta-Llama-3.1-8B-Instruct-Q4_K_M", "llama3.1:8b"), read
/// by the resolver; the quantisation only when the name states one (an Ollama tag's counts).
ModelQuant model_from_name(const Catalog& catalog, std::string_view name) {
  const ModelLookup lookup = catalog.look_up_model(name);
  if (lookup.status != NameStatus::found) return {};
  return {lookup.choice.model, lookup.choice.quant_stated() ? lookup.choice.quant : nullptr};
}

/// Model parameters stated by the file must agree with the catalogue entry (guards a wrong --model).
void check_params(double stated, const ModelSpec& model) {
  if (stated <= 0) return;
  const double catalogue = model.params_b * 1e9;
  if (std::abs(stated - catalogue) > 0.1 * catalogue)
    reject("model_n_params: " + format_double(stated / 1e9) + " B parameters, but catalogue model '" + model.id +
           "' has " + format_double(model.params_b) + " B; pass the right " + field("model"));
}

void check_backend(const MeasuredRun& run, const Catalog& catalog) {
  const QuantSpec* quant = catalog.find_quant(run.quant_id);
  if (quant != nullptr && !backend_supports(run.backend, *quant))
    reject("backend: " + std::string(to_string(run.backend)) + " cannot load " + quant->name + " weights");
}

void skip_record(const Context& ctx, RunSet& set, std::size_t index, const std::string& reason, std::string_view where) {
  if (!ctx.defaults.strict) {
    set.skipped.push_back({ctx.file, index, reason});
  } else if (ctx.strict_error.empty()) {
    ctx.strict_error = ctx.file + ": " + (where.empty() ? std::string() : std::string(where) + ": ") + reason;
  }
}

void set_hardware(MeasuredRun& run, const HardwareSlugMatch& match) {
  run.hardware_id = match.hardware->id;
  run.device_count = match.device_count;
}

/// Machine and model of a log that names neither: --hw and --model (with its quantisation).
void set_machine_and_model(MeasuredRun& run, const Context& ctx, const char* what) {
  if (ctx.defaults.hardware.empty())
    reject(std::string("hardware: ") + what + " does not name the machine; pass " + field("hardware"));
  if (ctx.defaults.model.empty())
    reject(std::string("model: ") + what + " does not name the model; pass " + field("model") +
           " with its quantisation, e.g. " + field("model") +
           (run.backend == Backend::mlx ? " llama-3.1-8b-mlx-4bit" : " llama-3.1-8b-q4_k_m"));
  const HardwareSlugMatch hw = hardware_from_flag(ctx.catalog, ctx.defaults.hardware);
  set_hardware(run, hw);
  const ModelQuant mq = model_from_flag(ctx.catalog, ctx.defaults.model);
  run.model_id = mq.model->id;
  run.quant_id = mq.quant->id;
  run.api = default_api(run.backend, *hw.hardware);
  check_backend(run, ctx.catalog);
}

}  // namespace llmfit::io
