#pragma once
// Runs the real llmfit binary from tests and captures what it prints.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace llmfit::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `[environment] LLMFIT_CLI <arguments>` through the shell; the caller shell-quotes.
inline CommandResult run_cli_env(const std::string& environment, const std::string& arguments) {
  static int counter = 0;
  const auto err_path = std::filesystem::temp_directory_path() /
                        ("llmfit-test-stderr-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  const std::string command = environment + (environment.empty() ? "" : " ") + "'" + LLMFIT_CLI + "' " + arguments +
                              " 2>'" + err_path.string() + "'";
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  std::stringstream text;
  text << err.rdbuf();
  result.err = text.str();
  std::filesystem::remove(err_path);
  return result;
}

inline CommandResult run_cli(const std::string& arguments) { return run_cli_env("", arguments); }

/// Number of lines in a text (a trailing newline does not start a new line).
inline int line_count(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  if (!text.empty() && text.back() != '\n') ++lines;
  return lines;
}

}  // namespace llmfit::test
