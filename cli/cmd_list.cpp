// `llmfit list hardware|models|quants` and `llmfit show hw|model|quant ID`.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "commands.hpp"

namespace llmfit::cli {
namespace {

struct ListOptions {
  std::string what;
  std::string vendor;
  std::string family;
  std::string kind;
  double min_memory_gib = 0;
  std::string format = "text";
};

bool contains_ignore_case(const std::string& haystack, const std::string& needle) {
  return needle.empty() || to_lower(haystack).find(to_lower(needle)) != std::string::npos;
}

std::string list_hardware(const ListOptions& o, const Catalog& c) {
  std::vector<const HardwareSpec*> rows;
  for (const auto& h : c.hardware()) {
    if (!o.vendor.empty() && to_lower(h.vendor) != to_lower(o.vendor)) continue;
    if (!o.kind.empty() && to_string(h.kind) != to_lower(o.kind)) continue;
    if (!o.family.empty() && to_string(hardware_class(h)) != to_lower(o.family)) continue;
    const double largest = *std::max_element(h.memory_options_gib.begin(), h.memory_options_gib.end());
    if (largest < o.min_memory_gib) continue;
    rows.push_back(&h);
  }
  if (o.format == "json") {
    nlohmann::json doc = nlohmann::json::array();
    for (const auto* h : rows) doc.push_back(spec_to_json(*h));
    return json_text(doc);
  }
  std::string out = fmt::format("{:<24} {:<40} {:>8} {:>14} {:>8} {:>7} {:>7}\n", "id", "name", "kind", "memory GiB",
                                "GB/s", "TFLOPS", "USD");
  for (const auto* h : rows) {
    std::vector<std::string> capacities;
    for (double gib : h->memory_options_gib) capacities.push_back(fmt::format("{:g}", gib));
    std::string memory = join(capacities, "/");
    if (memory.size() > 14) memory = fmt::format("{:g}-{:g}", h->memory_options_gib.front(), h->memory_options_gib.back());
    out += fmt::format("{:<24} {:<40} {:>8} {:>14} {:>8g} {:>7g} {:>7}\n", h->id, h->name.substr(0, 40), to_string(h->kind),
                       memory, h->bandwidth_gb_s, h->fp16_tflops,
                       h->price_usd > 0 ? fmt::format("{:g}", h->price_usd) : "-");
  }
  out += fmt::format("{} entries (memory in GiB as sold; bandwidth 1e9 B/s)\n", rows.size());
  return out;
}

std::string list_models(const ListOptions& o, const Catalog& c) {
  std::vector<const ModelSpec*> rows;
  for (const auto& m : c.models()) {
    if (!o.family.empty() && !contains_ignore_case(m.family, o.family)) continue;
    rows.push_back(&m);
  }
  if (o.format == "json") {
    nlohmann::json doc = nlohmann::json::array();
    for (const auto* m : rows) doc.push_back(spec_to_json(*m));
    return json_text(doc);
  }
  std::string out = fmt::format("{:<26} {:<14} {:>8} {:>8} {:>7} {:>9} {:<8}\n", "id", "family", "params", "active",
                                "layers", "context", "default");
  for (const auto* m : rows)
    out += fmt::format("{:<26} {:<14} {:>7g}B {:>7g}B {:>7} {:>9} {:<8}\n", m->id, m->family.substr(0, 14), m->params_b,
                       m->active_params_b, m->layers, with_thousands(m->max_context), m->default_quant);
  out += fmt::format("{} entries; name a quantisation as <model>-<quant>, e.g. llama-3.1-8b-q4_k_m or -q4\n", rows.size());
  return out;
}

std::string list_quants(const ListOptions& o, const Catalog& c) {
  if (o.format == "json") {
    nlohmann::json doc = nlohmann::json::array();
    for (const auto& q : c.quants()) doc.push_back(spec_to_json(q));
    return json_text(doc);
  }
  // Columns as wide as their longest entry: names such as "MLX 8-bit (group 64)" and the format
  // "safetensors" would otherwise push the rows out of line.
  std::size_t id_width = 2, name_width = 4, format_width = 6, kernel_width = 6;
  for (const auto& q : c.quants()) {
    id_width = std::max(id_width, q.id.size());
    name_width = std::max(name_width, q.name.size());
    format_width = std::max(format_width, to_string(q.format).size());
    kernel_width = std::max(kernel_width, to_string(q.kernel).size());
  }
  const auto row = [&](std::string_view id, std::string_view name, std::string_view format, std::string_view kernel,
                       std::string_view bits, std::string_view expert_bits, std::string_view ppl,
                       std::string_view forms) {
    std::string line = fmt::format("{:<{}} {:<{}} {:<{}} {:<{}} {:>6} {:>7} {:>7}  {}", id, id_width, name, name_width,
                                   format, format_width, kernel, kernel_width, bits, expert_bits, ppl, forms);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  std::string out = row("id", "name", "format", "kernel", "bits", "experts", "ppl +%", "short forms");
  for (const auto& q : c.quants()) {
    const std::string experts = q.expert_bits_per_weight > 0 ? fmt::format("{:.2f}", q.expert_bits_per_weight) : "-";
    out += row(q.id, q.name, to_string(q.format), to_string(q.kernel), fmt::format("{:.2f}", q.bits_per_weight),
               experts, fmt::format("{:.2f}", q.quality_ppl_increase_pct), join(q.short_forms, ","));
  }
  out += "bits: the repeating layers' weights; experts: routed-expert weights when stored differently\n";
  return out;
}

struct ShowOptions {
  std::string what;
  std::string id;
  std::string format = "text";
};

std::string show(const ShowOptions& o, const Catalog& c, const GlobalOptions& global) {
  const std::string what = to_lower(o.what);
  nlohmann::json doc;
  std::string text;
  if (o.id.empty() && what != "model" && what != "models") throw InputError("show " + what + ": name an entry id");
  if (what == "hw" || what == "hardware") {
    const HardwareSpec& h = c.hardware_or_throw(o.id);
    doc = spec_to_json(h);
    text = h.name + "\n" + describe(h);
  } else if (what == "model" || what == "models") {
    const ModelChoice choice = c.resolve_model(o.id.empty() ? model_name_or_file({}, global, "qwen3-8b") : o.id);
    doc = spec_to_json(*choice.model);
    text = choice.model->name + "\n" + describe(*choice.model);
    const ModelFileInfo* file = model_file(global);
    const bool from_file = file != nullptr && choice.model->id == file->model.id;
    if (!choice.quant_was_default || (from_file && file->quant)) {
      doc["quant"] = spec_to_json(*choice.quant);
      text += "quantisation " + choice.quant->name + "\n" + describe(*choice.quant);
    }
    if (from_file) {
      doc["file"] = model_file_to_json(*file);
      text += "\n" + describe_model_file(*file);
    }
  } else {
    const QuantSpec& q = c.quant_or_throw(o.id);
    doc = spec_to_json(q);
    text = q.name + "\n" + describe(q);
  }
  return o.format == "json" ? json_text(doc) : text;
}

}  // namespace

void setup_list(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<ListOptions>();
  CLI::App* sub = app.add_subcommand("list", "List what the catalogues hold: hardware, models or quants");
  sub->add_option("what", options->what, "hardware | models | quants")
      ->required()
      ->transform(CLI::IsMember({"hardware", "hw", "models", "model", "quants", "quant"}, CLI::ignore_case));
  sub->add_option("--vendor", options->vendor, "Hardware vendor: apple, nvidia, amd, intel, generic");
  sub->add_option("--family", options->family,
                  "Model family (substring), or hardware class: " + enum_choices<HardwareClass>());
  sub->add_option("--kind", options->kind, "Hardware kind: " + enum_choices<HardwareKind>());
  sub->add_option("--min-memory", options->min_memory_gib, "Hardware with at least this many GiB in some configuration");
  add_format_option(*sub, options->format, {"text", "json"});
  sub->callback([options, &global] {
    if (!std::isfinite(options->min_memory_gib) || options->min_memory_gib < 0)
      throw InputError(fmt::format("--min-memory: {} is out of range (a capacity of 0 GiB or more)",
                                   options->min_memory_gib));
    const Catalog& c = catalog(global);
    const std::string what = to_lower(options->what);
    if (what == "hardware" || what == "hw") write_output(list_hardware(*options, c), "");
    else if (what == "models" || what == "model") write_output(list_models(*options, c), "");
    else write_output(list_quants(*options, c), "");
  });
}

void setup_show(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<ShowOptions>();
  CLI::App* sub = app.add_subcommand("show", "Show one catalogue entry with every field and its sources");
  sub->add_option("what", options->what, "hw | model | quant")
      ->required()
      ->transform(CLI::IsMember({"hw", "hardware", "model", "models", "quant", "quants"}, CLI::ignore_case));
  sub->add_option("id", options->id, "Entry id or alias (show model: omit it with --model-file / --hf-config)");
  add_format_option(*sub, options->format, {"text", "json"});
  sub->callback([options, &global] { write_output(show(*options, catalog(global), global), ""); });
}

}  // namespace llmfit::cli
