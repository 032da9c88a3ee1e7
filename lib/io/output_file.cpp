// Files written whole or not at all, never over what was not asked for (output_file.hpp).
#include "llmfit/io/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "input_file.hpp"
#include "llmfit/errors.hpp"

namespace llmfit {
namespace {

constexpr std::size_t kBufferBytes = 1 << 16;

std::string errno_text(int error) { return std::strerror(error); }

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string folder_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

std::string random_suffix() {
  static std::random_device device;
  static std::mt19937_64 generator(device() ^ (static_cast<std::uint64_t>(device()) << 32) ^
                                   static_cast<std::uint64_t>(::getpid()));
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(generator()));
  return text;
}

/// The resolved file a symbolic link (chain) names, or the path itself.
std::string resolved(const std::string& path) {
  char real[PATH_MAX];
  return ::realpath(path.c_str(), real) != nullptr ? std::string(real) : path;
}

void write_fully(int fd, const char* data, std::size_t size, const std::function<void(int)>& fail) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}

}  // namespace

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  if (path_.empty()) throw InputError("an empty output file name");
  struct stat link_status {};
  const bool exists = ::lstat(path_.c_str(), &link_status) == 0;
  struct stat status = link_status;
  if (exists && S_ISLNK(link_status.st_mode) && ::stat(path_.c_str(), &status) != 0)
    fail("is a symbolic link to a missing file (" + errno_text(errno) + ")");
  if (exists) {
    const mode_t type = status.st_mode & S_IFMT;
    if (type == S_IFDIR) fail("is a folder; name a file");
    if (type == S_IFBLK) fail("is a block device; llmfit writes files, character devices and pipes");
    if (type == S_IFSOCK) fail("is a socket; llmfit writes files, character devices and pipes");
    if (type == S_IFCHR || type == S_IFIFO) {
      // A device or pipe is written to, never replaced (replacing /dev/null would break the system).
      fd_ = ::open(path_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
      if (fd_ < 0) fail("cannot open for writing: " + errno_text(errno));
      return;
    }
    if (io::is_input(status)) fail("is also an input of this command; write the output elsewhere");
    if (::access(path_.c_str(), W_OK) != 0)
      fail("cannot write: " + errno_text(errno) + " (its mode is " +
           octal_mode(status.st_mode) + ")");
  }
  target_ = exists ? resolved(path_) : path_;
  const std::string folder = folder_of(target_);
  const std::string base = std::filesystem::path(target_).filename().string();
  // O_EXCL with an unpredictable name: a planted file or symbolic link is never followed or reused.
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    temporary_ = fmt::format("{}/.{}.{}.llmfit-tmp", folder, base, random_suffix());
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) {
      const int error = errno;
      temporary_.clear();
      if (error == ENOENT) fail("cannot write: the folder " + folder + " does not exist");
      fail("cannot write in " + folder + ": " + errno_text(error));
    }
  }
  if (fd_ < 0) {
    temporary_.clear();
    fail("cannot create a temporary file in " + folder);
  }
  if (exists) {
    // The replacement keeps the mode (and, when permitted, the owner) of what it replaces.
    (void)::fchmod(fd_, status.st_mode & 07777);
    if (status.st_uid != ::geteuid() || status.st_gid != ::getegid()) (void)::fchown(fd_, status.st_uid, status.st_gid);
  }
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temporary_.empty()) ::unlink(temporary_.c_str());
}

void OutputFile::fail(const std::string& cause) { throw InputError(path_ + ": " + cause); }

void OutputFile::flush_buffer() {
  write_fully(fd_, buffer_.data(), buffer_.size(), [this](int error) { fail("cannot write: " + errno_text(error)); });
  buffer_.clear();
}

void OutputFile::write(std::string_view chunk) {
  if (finished_) fail("written after it was finished");
  if (buffer_.size() + chunk.size() > kBufferBytes) flush_buffer();
  if (chunk.size() > kBufferBytes) {
    write_fully(fd_, chunk.data(), chunk.size(), [this](int error) { fail("cannot write: " + errno_text(error)); });
    return;
  }
  buffer_.append(chunk);
}

void OutputFile::finish() {
  if (finished_) return;
  flush_buffer();
  // A renamed file must hold its bytes even after a crash; a device or pipe has nothing to sync.
  if (!target_.empty() && ::fsync(fd_) != 0) fail("cannot write: " + errno_text(errno));
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) fail("cannot write: " + errno_text(errno));
  finished_ = true;
}

void OutputFile::publish() {
  if (published_) return;
  finish();
  if (!target_.empty()) {
    if (::rename(temporary_.c_str(), target_.c_str()) != 0) fail("cannot replace: " + errno_text(errno));
    temporary_.clear();
    if (const int folder = ::open(folder_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); folder >= 0) {
      (void)::fsync(folder);  // the rename itself survives a crash
      ::close(folder);
    }
  }
  published_ = true;
}

void write_file_atomically(const std::string& path, std::string_view text) {
  OutputFile file(path);
  file.write(text);
  file.commit();
}

void write_files_atomically(std::span<const std::pair<std::string, std::string>> path_and_text) {
  std::vector<std::unique_ptr<OutputFile>> files;
  for (const auto& [path, text] : path_and_text) {
    auto file = std::make_unique<OutputFile>(path);
    for (const auto& other : files)
      if (!file->target().empty() && file->target() == other->target())
        throw InputError(path + ": named for two outputs (" + other->path() + "); give each its own file");
    file->write(text);
    files.push_back(std::move(file));
  }
  for (auto& file : files) file->finish();
  for (auto& file : files) file->publish();
}

}  // namespace llmfit
