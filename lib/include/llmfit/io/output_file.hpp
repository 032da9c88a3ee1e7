#pragma once
/// Every file llmfit writes (outputs, charts, profiles, sweeps, the generated tables) goes through
/// OutputFile: written whole or not at all, and never in place of something it was not asked to write.
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace llmfit {

/// One output, decided when it is opened (InputError "<path>: <cause>" otherwise):
/// - absent or a regular file (also through a symbolic link, which is kept): the text goes to a new
///   temporary file beside it (created exclusively, unpredictable name), is flushed to disk and renamed
///   over the target by publish(); an existing target keeps its mode and, where allowed, its owner; a
///   target the caller may not write is refused;
/// - a character device or a pipe (`/dev/null`, `>(gzip)`): written directly, never replaced;
/// - a folder, a block device, a socket, or a file this process read as an input: refused.
/// An output not published is removed: a failed run leaves nothing behind.
class OutputFile {
 public:
  explicit OutputFile(std::string path);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  void write(std::string_view chunk);
  /// Writes out what is buffered, flushes the temporary to disk and closes it; nothing is visible yet.
  void finish();
  /// Renames the finished temporary over the target (finish() first if needed).
  void publish();
  /// finish() and publish().
  void commit() { publish(); }

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// The file that will be replaced (symbolic links resolved); empty when written directly.
  [[nodiscard]] const std::string& target() const noexcept { return target_; }

 private:
  void flush_buffer();
  [[noreturn]] void fail(const std::string& cause);

  std::string path_;       // as the caller named it (for messages)
  std::string target_;     // what the temporary is renamed over; empty = written directly
  std::string temporary_;  // empty once published or removed
  std::string buffer_;
  int fd_ = -1;
  bool finished_ = false;
  bool published_ = false;
};

/// `text` to `path` through an OutputFile.
void write_file_atomically(const std::string& path, std::string_view text);

/// Several outputs of one command, all or none: every file is written and finished before the first is
/// published, so an error in any leaves none behind. Two outputs naming the same file are refused.
void write_files_atomically(std::span<const std::pair<std::string, std::string>> path_and_text);

}  // namespace llmfit
