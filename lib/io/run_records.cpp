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

/// A token count: a whole number from 0 to 10^9.
std::optional<std::int64_t> optional_count(const json& object, const char* key) {
  const auto x = optional_number(object, key);
  if (!x) return std::nullopt;
  if (*x < 0 || *x > 1e9 || std::floor(*x) != *x)
    reject(std::string(key) + ": must be a whole number of tokens from 0 to 10^9, not " + format_double(*x));
  return static_cast<std::int64_t>(*x);
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

}  // namespace llmfit::io
