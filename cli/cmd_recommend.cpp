// `llmfit recommend --budget 4000 --users 3 --model-size 30b [--portable] [--host-usd 1200]`: the buyer's
// four questions answered with ranked shortlists (whole computers; graphics cards alone) and the reasons.
// The model is sized in its own quantisation unless one is named (in --model, or --quant for a file).
#include <memory>

#include "commands.hpp"
#include "flags.hpp"
#include "llmfit/report/plan.hpp"
#include "options.hpp"

namespace llmfit::cli {
namespace {

struct RecommendCliOptions {
  RecommendOptions recommend;
  std::string model_size;
  OutputOptions output;
};

void run_recommend(RecommendCliOptions o, const GlobalOptions& global) {
  if (o.recommend.model.empty() && o.model_size.empty() && model_file(global) != nullptr)
    o.recommend.model = model_name_or_file({}, global, {});
  if (!o.model_size.empty()) o.recommend.model_size_b = parse_model_size_b(o.model_size);
  const RecommendResult result = recommend(catalog(global), o.recommend, profile(global));
  const std::string text = render_recommend(result, o.recommend, o.output.format);
  write_outputs(o.output, text, [&] { return svg::render(recommend_chart(result, o.recommend)); });
  if (!o.recommend.model.empty()) note_name_readings(global, {}, o.recommend.model);
}

}  // namespace

void setup_recommend(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<RecommendCliOptions>();
  RecommendOptions& r = options->recommend;
  CLI::App* sub = app.add_subcommand("recommend", "What to buy: budget, team size, model size, portability");
  sub->add_option("--budget", r.budget_usd, "Budget in US dollars")->required();
  sub->add_option("--users", r.users, "People using it at the same time")->capture_default_str();
  sub->add_option("--model-size", options->model_size, "Size of model to run: 8b, 30b, 70b, …");
  sub->add_option("--model", r.model,
                  "Or a specific model, e.g. gpt-oss-120b (its own quantisation) or qwen3-coder-q8_0");
  sub->add_flag("--portable", r.portable, "Laptops only");
  sub->add_option("--min-tok-s", r.min_tok_s_per_user, "Decode speed each user needs (default: ~2x reading speed)")
      ->capture_default_str();
  accept_token_suffixes(sub->add_option_function<std::int64_t>(
      flag_for("context_tokens"),
      [&r](const std::int64_t& tokens) {
        if (tokens < 1) throw InputError("--context: " + std::to_string(tokens) + " must be at least 1 token");
        r.context_tokens = tokens;
      },
      "KV cache per user, e.g. 32768 or 32k (default 8192 or the model's maximum)"));
  sub->add_option("--prompt-ratio", r.prompt_tokens_per_output_token,
                  "Prompt tokens per generated token of each user's requests (default: the 3:1 blend Artificial "
                  "Analysis prices APIs with, as cost and scale --batch-sweep)")
      ->capture_default_str();
  sub->add_option("--max-gpus", r.max_devices_per_box, "Also consider up to N graphics cards in one box")
      ->capture_default_str();
  sub->add_option_function<double>(
         "--host-usd", [options](double usd) { options->recommend.host_price_usd = usd; },
         "Price of the computer that holds the graphics cards, added to each (default: the host entry's price; "
         "without one, cards are ranked only against each other)")
      ->type_name("USD");
  sub->add_option("--top", r.top, "Length of each shortlist")->capture_default_str();
  // The scenario flags recommend does not take: it chooses the machines, and sizes each in its own way.
  const std::string own_way = "recommend uses each machine's own setting";
  refuse_scenario_flags(
      *sub, {{ScenarioFlag::prompt_tokens, "recommend ranks by decode speed per user after a 512-token prompt"},
             {ScenarioFlag::backend, "recommend runs each machine with its default engine"},
             {ScenarioFlag::api, own_way},
             {ScenarioFlag::kv_type, "recommend sizes an f16 KV cache"},
             {ScenarioFlag::batch, "recommend sizes for the concurrent users; give --users"},
             {ScenarioFlag::memory_gib, "recommend tries the catalogue's priced capacities of each machine"},
             {ScenarioFlag::gpu_memory_fraction, own_way},
             {ScenarioFlag::host, "recommend holds graphics cards in each one's own host; give its price with --host-usd"},
             {ScenarioFlag::host_memory_gib, own_way},
             {ScenarioFlag::allow_offload, "recommend ranks configurations that need CPU offload below those that fit"},
             {ScenarioFlag::fit_margin, "recommend keeps the default safety margin (5% or 0.5 GB)"},
             {ScenarioFlag::gpu_memory_utilization, "recommend runs each machine with its default engine"}});
  add_output_options(*sub, options->output, kRecommendFormats, true);
  sub->callback([options, &global] { run_recommend(*options, global); });
}

}  // namespace llmfit::cli
