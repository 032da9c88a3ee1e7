#pragma once
// Each subcommand lives in its own file: an options struct, setup_*() and run_*().
#include "common.hpp"

namespace llmfit::cli {

void setup_predict(CLI::App& app, GlobalOptions& global);  // the default command: --hw X --model Y
void setup_list(CLI::App& app, GlobalOptions& global);
void setup_show(CLI::App& app, GlobalOptions& global);
void setup_sweep(CLI::App& app, GlobalOptions& global);  // every hardware x model x quant x context
void setup_compare(CLI::App& app, GlobalOptions& global);  // planning tools
void setup_fit(CLI::App& app, GlobalOptions& global);
void setup_scale(CLI::App& app, GlobalOptions& global);
void setup_cluster(CLI::App& app, GlobalOptions& global);
void setup_cost(CLI::App& app, GlobalOptions& global);
void setup_recommend(CLI::App& app, GlobalOptions& global);
void setup_check(CLI::App& app, GlobalOptions& global);
void setup_calibrate(CLI::App& app, GlobalOptions& global);
void setup_validate(CLI::App& app, GlobalOptions& global);
void setup_detect(CLI::App& app, GlobalOptions& global);           // what this machine is
void setup_probe_bandwidth(CLI::App& app, GlobalOptions& global);  // its measured memory bandwidth

}  // namespace llmfit::cli
