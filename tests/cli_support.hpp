#pragma once
// Runs the real llmfit binary from tests and captures what it prints.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include <sys/wait.h>
#include <unistd.h>

namespace llmfit::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// `text` as one shell word.
inline std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

/// The whole content of a file ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A path in the temporary directory that no other test, test process or concurrent test run (a sanitizer build
/// beside a release build) uses: `llmfit-<stem>-<pid>-<n>`. Tests never write to a fixed temporary name.
inline std::filesystem::path scratch_path(const std::string& stem) {
  static int counter = 0;
  return std::filesystem::temp_directory_path() /
         ("llmfit-" + stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
}

/// Runs `[environment] LLMFIT_CLI <arguments>` through the shell; the caller shell-quotes.
inline CommandResult run_cli_env(const std::string& environment, const std::string& arguments) {
  const auto err_path = scratch_path("test-stderr");
  std::string command = environment;
  if (!command.empty()) command += ' ';
  command += shell_quoted(LLMFIT_CLI);
  command += ' ';
  command += arguments;
  command += " 2>";
  command += shell_quoted(err_path.string());
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.err = read_file(err_path);
  std::filesystem::remove(err_path);
  return result;
}

inline CommandResult run_cli(const std::string& arguments) { return run_cli_env("", arguments); }

/// Runs LLMFIT_CLI with each argument passed as one word.
inline CommandResult run_cli_args(const std::vector<std::string>& arguments) {
  std::string command;
  for (const auto& argument : arguments) {
    command += ' ';
    command += shell_quoted(argument);
  }
  return run_cli(command);
}

/// Number of lines in a text (a trailing newline does not start a new line).
inline int line_count(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  if (!text.empty() && text.back() != '\n') ++lines;
  return lines;
}

}  // namespace llmfit::test
