// llmfit: will this model fit on this machine, and how fast will it run?
#include <iostream>

#include "commands.hpp"
#include "flags.hpp"
#include "options.hpp"

namespace {

/// A reader that went away (`| head`) is not an error worth a message; 141 is what a shell reports for
/// a process that SIGPIPE ended.
int report_stdout_error(const llmfit::cli::StandardOutputError& error) {
  if (error.broken_pipe) return 141;
  std::cerr << "llmfit: error: " << error.what() << '\n';
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace llmfit::cli;
  CLI::App app{"llmfit: will this LLM fit on this machine, and how fast will it run?", "llmfit"};
  app.set_version_flag("--version", "llmfit 0.1.0");
  app.require_subcommand(0, 1);
  app.fallthrough();
  GlobalOptions global;
  add_global_options(app, global);
  setup_predict(app, global);
  setup_list(app, global);
  setup_show(app, global);
  setup_sweep(app, global);
  setup_compare(app, global);
  setup_fit(app, global);
  setup_scale(app, global);
  setup_cluster(app, global);
  setup_cost(app, global);
  setup_recommend(app, global);
  setup_check(app, global);
  setup_calibrate(app, global);
  setup_validate(app, global);
  add_value_checks(app);
  try {
    app.parse(argc, argv);
    check_stdout_at_exit();
    return 0;
  } catch (const CLI::Success& e) {
    const int status = app.exit(e);
    try {
      check_stdout_at_exit();
    } catch (const StandardOutputError& error) {
      return report_stdout_error(error);
    }
    return status;
  } catch (const StandardOutputError& e) {
    return report_stdout_error(e);
  } catch (const CLI::ParseError& e) {
    // One line like every other error (CLI11's own printer adds a second "Run with --help" line).
    std::cerr << "llmfit: error: " << llmfit::one_line(e.what()) << " (see 'llmfit --help')\n";
    return 2;
  } catch (const llmfit::InputError& e) {
    std::cerr << "llmfit: error: " << spelled(e.message()) << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "llmfit: internal error: " << llmfit::one_line(e.what()) << '\n';
    return 1;
  } catch (...) {
    std::cerr << "llmfit: internal error\n";
    return 1;
  }
}
