// `llmfit list hardware|models|quants` and `llmfit show hw|model|quant ID`.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "commands.hpp"
#include "options.hpp"

namespace llmfit::cli {
namespace {

struct ListOptions {
  std::string what;
  std::string vendor;
  std::string family;
  std::string kind;
  double min_memory_gib = 0;
  Format format = Format::text;
  std::string output;  // -o: empty or "-" = stdout
};

/// A filter given for a list it does not filter is refused, not ignored.
void check_filters(const std::string& what, const std::vector<const CLI::Option*>& given) {
  const bool hardware = what == "hardware" || what == "hw";
  const bool models = what == "models" || what == "model";
  for (const CLI::Option* option : given) {
    if (option->count() == 0) continue;
    const std::string name = option->get_name();
    const bool applies = hardware || (models && name == "--family");
    if (!applies)
      throw InputError(name + ": filters " + (name == "--family" ? "hardware and models" : "hardware") +
                       ", not 'list " + what + "'");
  }
}

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
  return render_hardware_list(rows, o.format);
}

std::string list_models(const ListOptions& o, const Catalog& c) {
  std::vector<const ModelSpec*> rows;
  for (const auto& m : c.models()) {
    if (!o.family.empty() && !contains_ignore_case(m.family, o.family)) continue;
    rows.push_back(&m);
  }
  return render_model_list(rows, o.format);
}

std::string list_quants(const ListOptions& o, const Catalog& c) {
  std::vector<const QuantSpec*> rows;
  for (const auto& q : c.quants()) rows.push_back(&q);
  return render_quant_list(rows, o.format);
}

struct ShowOptions {
  std::string what;
  std::string id;
  Format format = Format::text;
  std::string output;  // -o: empty or "-" = stdout
};

std::string show(const ShowOptions& o, const Catalog& c, const GlobalOptions& global) {
  const std::string what = to_lower(o.what);
  if (o.id.empty() && what != "model" && what != "models") throw InputError("show " + what + ": name an entry id");
  if (what == "hw" || what == "hardware") return render_entry(c.hardware_or_throw(o.id), o.format);
  if (what != "model" && what != "models") return render_entry(c.quant_or_throw(o.id), o.format);
  const ModelChoice choice = c.resolve_model(o.id.empty() ? model_name_or_file({}, global, "qwen3-8b") : o.id);
  const ModelFileInfo* file = model_file(global);
  const bool from_file = file != nullptr && choice.model->id == file->model.id;
  // The quantisation is shown when named, or when it is the file's own (not in the catalogue before).
  const QuantSpec* quant = !choice.quant_was_default || (from_file && file->quant) ? choice.quant : nullptr;
  return render_model_entry(*choice.model, quant, from_file ? file : nullptr, o.format);
}

}  // namespace

void setup_list(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<ListOptions>();
  CLI::App* sub = app.add_subcommand("list", "List what the catalogues hold: hardware, models or quants");
  sub->add_option("what", options->what, "hardware | models | quants")
      ->required()
      ->transform(CLI::IsMember({"hardware", "hw", "models", "model", "quants", "quant"}, CLI::ignore_case));
  const std::vector<const CLI::Option*> filters = {
      sub->add_option("--vendor", options->vendor, "Hardware vendor: apple, nvidia, amd, intel, generic"),
      sub->add_option("--family", options->family,
                      "Model family (substring), or hardware class: " + enum_choices<HardwareClass>()),
      sub->add_option("--kind", options->kind, "Hardware kind: " + enum_choices<HardwareKind>()),
      sub->add_option("--min-memory", options->min_memory_gib,
                      "Hardware with at least this many GiB in some configuration")};
  add_format_option(*sub, options->format, kCatalogFormats);
  sub->add_option("-o,--output", options->output, "Write the list to this file instead of stdout");
  refuse_option(*sub, "--calibration", true, "a list of the catalogue predicts nothing");
  refuse_option(*sub, "--quant", true, "the list shows every quantisation");
  sub->callback([options, filters, &global] {
    const std::string what = to_lower(options->what);
    check_filters(what, filters);
    if (!std::isfinite(options->min_memory_gib) || options->min_memory_gib < 0)
      throw InputError(fmt::format("--min-memory: {} is out of range (a capacity of 0 GiB or more)",
                                   options->min_memory_gib));
    const Catalog& c = catalog(global);
    if (what == "hardware" || what == "hw") write_output(list_hardware(*options, c), options->output);
    else if (what == "models" || what == "model") write_output(list_models(*options, c), options->output);
    else write_output(list_quants(*options, c), options->output);
  });
}

void setup_show(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<ShowOptions>();
  CLI::App* sub = app.add_subcommand("show", "Show one catalogue entry with every field and its sources");
  sub->add_option("what", options->what, "hw | model | quant")
      ->required()
      ->transform(CLI::IsMember({"hw", "hardware", "model", "models", "quant", "quants"}, CLI::ignore_case));
  sub->add_option("id", options->id, "Entry id or alias (show model: omit it with --model-file / --hf-config)");
  add_format_option(*sub, options->format, kCatalogFormats);
  sub->add_option("-o,--output", options->output, "Write the entry to this file instead of stdout");
  refuse_option(*sub, "--calibration", true, "an entry of the catalogue predicts nothing");
  sub->callback([options, &global] { write_output(show(*options, catalog(global), global), options->output); });
}

}  // namespace llmfit::cli
