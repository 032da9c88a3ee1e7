#pragma once
/// Files llmfit writes (outputs, charts, profiles, the generated tables): written whole or not at all.
#include <cstdio>
#include <string>
#include <string_view>

namespace llmfit {

/// The text goes to a temporary file beside `path`, renamed over it by commit(); a file not committed is
/// removed, so a failed run never leaves half a file. Errors are InputError naming `path`.
class OutputFile {
 public:
  explicit OutputFile(std::string path);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  void write(std::string_view chunk);
  /// Closes and renames the temporary over `path`.
  void commit();

 private:
  std::string path_;
  std::string temporary_;
  std::FILE* file_ = nullptr;
};

/// `text` to `path` through an OutputFile.
void write_file_atomically(const std::string& path, std::string_view text);

}  // namespace llmfit
