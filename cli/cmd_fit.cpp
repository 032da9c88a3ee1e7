// `llmfit fit --hw rtx-4090 [--min-tok-s 20] [--context 32768] [--sort speed|quality|size|context]`:
// which models fit on one machine, in which quantisation, how fast, with how much context.
#include <memory>

#include "commands.hpp"
#include "flags.hpp"
#include "llmfit/report/plan.hpp"
#include "options.hpp"

namespace llmfit::cli {
namespace {

struct FitOptions {
  FitSearchOptions search;
  std::string sort = "size";
  bool all_quants = false;
  std::size_t top = 0;
  OutputOptions output;
};

void run_fit(const FitOptions& o, const GlobalOptions& global) {
  const auto sort = parse_fit_sort(o.sort);
  if (!sort)
    throw InputError("--sort: unknown key '" + o.sort.substr(0, 40) + "'; choose " +
                     enum_choices<FitSort>(", ", " or "));
  if (o.all_quants && o.output.format != Format::text)
    throw InputError("--all-quants: text output only; the JSON lists every quantisation tried (candidates)");
  FitSearchOptions search = o.search;
  if (const ModelFileInfo* file = model_file(global)) search.model_ids = {file->model.id};  // its quantisations
  FitSearchResult result = fit_search(catalog(global), search, profile(global));
  sort_model_fits(result.models, *sort);

  const std::string text =
      render_fit_search(result, *sort, o.search.min_decode_tok_s, o.all_quants, o.top, o.output.format);
  write_outputs(o.output, text, [&result, &o] { return svg::render(fit_search_chart(result, o.top)); });
  note_name_readings(global, {search.base.hardware}, "");
}

}  // namespace

void setup_fit(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<FitOptions>();
  Query& q = options->search.base;
  CLI::App* sub = app.add_subcommand("fit", "Which models and quantisations fit on one machine, and how fast");
  sub->add_option("--hw", q.hardware, hardware_help("rtx-4090 or rtx-3090:2"))->required();
  sub->add_option("--min-tok-s", options->search.min_decode_tok_s, "Only quantisations that decode at least this fast");
  // One quality flag (issue 18): the floor. Quantisations within 0.1 points of the best still count as equal.
  sub->add_option(flag_for("max_ppl_increase_pct"), options->search.max_ppl_increase_pct,
                  "Quality floor: no quantisation that raises perplexity by more than this percentage (Q3_K_M: 10.1)")
      ->capture_default_str();
  sub->add_option("--sort", options->sort, "Order: " + enum_choices<FitSort>(" | "))->capture_default_str();
  sub->add_flag("--all-quants", options->all_quants, "Also list every quantisation tried (text output)");
  sub->add_option("--top", options->top, "Show only the first N models");
  const std::string fully = "fit lists what runs fully on the accelerator; CPU offload is not considered";
  add_scenario_options(*sub, q,
                       {{ScenarioFlag::host, fully},
                        {ScenarioFlag::host_memory_gib, fully},
                        {ScenarioFlag::allow_offload, fully}});
  add_output_options(*sub, options->output, kFitFormats, true);
  refuse_option(*sub, "--quant", true, "fit tries every quantisation of the --model-file / --hf-config model");
  sub->callback([options, &global] { run_fit(*options, global); });
}

}  // namespace llmfit::cli
