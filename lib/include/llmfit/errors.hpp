#pragma once
#include <stdexcept>
#include <string>

#include "llmfit/text.hpp"

namespace llmfit {

/// Bad input from a user (file, flag, id). The message is one line naming where and what; the CLI
/// prints it and exits with status 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(one_line(message)) {}
};

}  // namespace llmfit
