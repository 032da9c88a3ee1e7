// The layering of docs/architecture.md, checked on the sources: what each layer may include, and that
// every field the library's messages refer to has an option on the command line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
const fs::path kSource = LLMFIT_SOURCE_DIR;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<fs::path> sources_under(const fs::path& folder, bool recursive = true) {
  std::vector<fs::path> files;
  auto take = [&](const fs::directory_entry& entry) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".cpp" || ext == ".hpp")) files.push_back(entry.path());
  };
  if (recursive)
    for (const auto& entry : fs::recursive_directory_iterator(folder)) take(entry);
  else
    for (const auto& entry : fs::directory_iterator(folder)) take(entry);
  std::sort(files.begin(), files.end());
  return files;
}

/// Every `#include` target of a file.
std::vector<std::string> includes_of(const fs::path& file) {
  static const std::regex include(R"(^\s*#\s*include\s*[<"]([^>"]+)[>"])");
  std::vector<std::string> out;
  std::istringstream lines(read_text(file));
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (std::regex_search(line, match, include)) out.push_back(match[1].str());
  }
  return out;
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

/// Files of a layer: its sources and its public headers.
std::vector<fs::path> layer_files(const std::string& layer) {
  std::vector<fs::path> files = sources_under(kSource / "lib" / layer);
  const fs::path headers = layer == "core" ? kSource / "lib/include/llmfit" : kSource / "lib/include/llmfit" / layer;
  for (const auto& header : sources_under(headers, layer != "core")) {
    const std::string name = header.filename().string();
    if (layer == "core" && (name == "io.hpp" || name == "report.hpp")) continue;  // the other layers' umbrellas
    files.push_back(header);
  }
  return files;
}

void expect_no_include(const std::string& layer, const std::vector<std::string>& forbidden_prefixes) {
  const std::vector<fs::path> files = layer_files(layer);
  ASSERT_FALSE(files.empty()) << layer;
  for (const auto& file : files)
    for (const auto& target : includes_of(file))
      for (const auto& prefix : forbidden_prefixes)
        EXPECT_FALSE(starts_with(target, prefix))
            << fs::relative(file, kSource).string() << " (" << layer << ") includes " << target;
}

// Header-only libraries cannot be hidden by linking (the layer link checks catch compiled ones), so the
// core's includes are read: no YAML, JSON, HTTP or command-line library, no file streams, no other layer.
TEST(Architecture, CoreIncludesNoReaderWriterOrCommandLine) {
  expect_no_include("core", {"nlohmann/", "yaml-cpp/", "httplib", "CLI/", "fstream", "filesystem", "iostream",
                             "llmfit/io", "llmfit/report"});
}

TEST(Architecture, ReadersDoNotPresent) { expect_no_include("io", {"llmfit/report", "CLI/", "httplib"}); }

TEST(Architecture, PresentationDoesNotRead) {
  expect_no_include("report", {"llmfit/io", "yaml-cpp/", "CLI/", "httplib", "fstream", "filesystem"});
}

// Public headers of io and report keep their libraries to themselves: a program including them needs
// no YAML or JSON headers.
TEST(Architecture, PublicHeadersIncludeNoThirdPartyLibrary) {
  for (const auto& header : sources_under(kSource / "lib/include"))
    for (const auto& target : includes_of(header))
      EXPECT_FALSE(starts_with(target, "nlohmann/") || starts_with(target, "yaml-cpp/") || starts_with(target, "fmt/"))
          << fs::relative(header, kSource).string() << " includes " << target;
}

// The library names fields (field("context_tokens")); the command line has the one table that spells
// them (cli/flags.cpp). A field referred to in the library with no option there would reach users as
// its bare name.
TEST(Architecture, EveryReferencedFieldHasAnOption) {
  const std::regex reference(R"re(field\("([a-z0-9_]+)"\))re");
  std::set<std::string> referenced;
  for (const auto& file : sources_under(kSource / "lib")) {
    const std::string text = read_text(file);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), reference); it != std::sregex_iterator(); ++it)
      referenced.insert((*it)[1].str());
  }
  EXPECT_GT(referenced.size(), 20u);
  const std::string table = read_text(kSource / "cli/flags.cpp");
  const std::regex entry(R"re(\{"([a-z0-9_]+)", "--[a-z0-9-]+"\})re");
  std::set<std::string> spelt;
  for (auto it = std::sregex_iterator(table.begin(), table.end(), entry); it != std::sregex_iterator(); ++it)
    spelt.insert((*it)[1].str());
  for (const auto& name : referenced) EXPECT_TRUE(spelt.count(name)) << "no option spells field '" << name << "'";
}

// The library speaks in fields, not in the command line's options (lib/tools/dbgen is a build tool with
// options of its own).
TEST(Architecture, LibraryMessagesNameNoOption) {
  const std::regex option(R"re("[^"\n]*--[a-z][a-z-]*)re");
  for (const char* layer : {"core", "io", "report", "include"})
  for (const auto& file : sources_under(kSource / "lib" / layer)) {
    std::istringstream lines(read_text(file));
    int number = 0;
    for (std::string line; std::getline(lines, line);) {
      ++number;
      const auto comment = line.find("//");
      const std::string code = comment == std::string::npos ? line : line.substr(0, comment);
      EXPECT_FALSE(std::regex_search(code, option))
          << fs::relative(file, kSource).string() << ":" << number << ": " << line;
    }
  }
}

// Every file is opened in one place each way (issue 17): inputs by io::InputFile, outputs by OutputFile,
// so the checks on devices, pipes, links, modes and inputs cannot be bypassed by a stray stream.
TEST(Architecture, FilesAreOpenedOnlyByTheInputAndOutputClasses) {
  const std::regex opening(R"re(std::(i|o)?fstream|\bfopen\(|::open\()re");
  for (const char* folder : {"lib", "cli", "serve"})
    for (const auto& file : sources_under(kSource / folder)) {
      const std::string name = file.filename().string();
      // main.cpp opens only /dev/null, to hold closed standard streams.
      if (name == "input_file.cpp" || name == "output_file.cpp" || file == kSource / "cli" / "main.cpp") continue;
      std::istringstream lines(read_text(file));
      int number = 0;
      for (std::string line; std::getline(lines, line);) {
        ++number;
        EXPECT_FALSE(std::regex_search(line, opening)) << fs::relative(file, kSource).string() << ":" << number << ": " << line;
      }
    }
}

// Two test runs share the temporary directory (a sanitizer build beside a release build, two checkouts): a
// fixed name there lets one run delete or overwrite the other's file. Tests write only to scratch_path()'s
// names (cli_support.hpp: process id and a counter), or build the process id into the name themselves.
TEST(Architecture, TestsWriteToNoFixedTemporaryName) {
  const std::regex fixed_name(R"re(temp_directory_path\(\)\s*/\s*"[^"]*"\s*[;,)])re");
  for (const char* folder : {"tests", "bench", "fuzz"})
    for (const auto& file : sources_under(kSource / folder)) {
      std::istringstream lines(read_text(file));
      int number = 0;
      for (std::string line; std::getline(lines, line);) {
        ++number;
        // A name read to show that a missing file is refused, never written.
        if (line.find("no-such") != std::string::npos) continue;
        EXPECT_FALSE(std::regex_search(line, fixed_name)) << fs::relative(file, kSource).string() << ":" << number << ": " << line;
      }
    }
}

// HTTP is the server's business: only serve/ (and the load benchmark's client) includes cpp-httplib, and the
// commands, which the page also compiles, include nothing of the server.
TEST(Architecture, OnlyTheServerSpeaksHttp) {
  for (const char* folder : {"lib", "cli"})
    for (const auto& file : sources_under(kSource / folder))
      for (const auto& target : includes_of(file)) {
        EXPECT_FALSE(starts_with(target, "httplib")) << fs::relative(file, kSource).string() << " includes " << target;
        if (file != kSource / "cli" / "main.cpp") {
          EXPECT_FALSE(starts_with(target, "serve/") || target == "server.hpp" || target == "mcp.hpp")
              << fs::relative(file, kSource).string() << " includes " << target;
        }
      }
}

// The server runs commands only through the in-process runner (cli/in_process.hpp), with the command line's
// own option parsing: it names no library function that answers a query itself.
TEST(Architecture, TheServerAnswersThroughTheCommands) {
  const std::regex library_call(R"re(\b(answer_query|resolve_query|predict|fit_search|recommend|plan_cluster|render_\w+)\()re");
  for (const auto& file : sources_under(kSource / "serve")) {
    std::istringstream lines(read_text(file));
    int number = 0;
    for (std::string line; std::getline(lines, line);) {
      ++number;
      EXPECT_FALSE(std::regex_search(line, library_call)) << fs::relative(file, kSource).string() << ":" << number
                                                          << ": " << line;
    }
  }
}

}  // namespace
