// llmfit: will this model fit on this machine, and how fast will it run?
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "flags.hpp"
#include "in_process.hpp"
#include "options.hpp"
#include "serve/serve.hpp"

namespace {

/// A reader that went away (`| head`) is not an error worth a message; 141 is what a shell reports for
/// a process that SIGPIPE ended.
int report_stdout_error(const llmfit::cli::StandardOutputError& error) {
  if (error.broken_pipe) return 141;
  std::cerr << "llmfit: error: " << error.what() << '\n';
  return 1;
}

/// A closed standard stream would let the next file opened take its number, so that output meant for the
/// terminal lands in a file: each is reopened on /dev/null, stdout read-only so that writing to it still
/// fails ("standard output: Bad file descriptor").
void hold_standard_streams() {
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int opened = ::open("/dev/null", fd == STDOUT_FILENO ? O_RDONLY : O_RDWR);
    if (opened >= 0 && opened != fd) {
      ::dup2(opened, fd);
      ::close(opened);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  hold_standard_streams();
  using namespace llmfit::cli;
  CLI::App app{"llmfit: will this LLM fit on this machine, and how fast will it run?", "llmfit"};
  app.set_version_flag("--version", "llmfit 0.1.0");
  app.require_subcommand(0, 1);
  app.fallthrough();
  GlobalOptions global;
  add_global_options(app, global);
  const std::vector<const CLI::Option*> shared = std::as_const(app).get_options();  // and --help, --version
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
  setup_serve(app, global);
  setup_detect(app, global);
  setup_probe_bandwidth(app, global);
  add_value_checks(app);
  add_machine_values(app, global);
  refuse_fallthrough(app, shared);
  try {
    refuse_unreadable_numbers(std::vector<std::string>(argv + std::min(argc, 1), argv + argc));
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
  } catch (...) {
    const Failure failure = current_failure();
    std::cerr << "llmfit: " << (failure.status == 2 ? "error: " : "") << failure.message << '\n';
    return failure.status;
  }
}
