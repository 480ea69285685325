#include "server/flag_help.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace trackd {
namespace {

// This file's own path names the source root the flags' __FILE__ paths start with.
constexpr absl::string_view kThisFile = __FILE__;
constexpr absl::string_view kThisFileInTree = "server/flag_help.cc";

}  // namespace

// Compared by path suffix, not by stripping this file's own root: each translation unit's
// __FILE__ is spelled the way its compile command named it, and a compiler cache (ccache with
// base_dir) or a build from another directory can make one absolute and another relative.
bool IsOwnFlagFile(const std::vector<std::string>& own_flag_files, absl::string_view filename) {
  return std::any_of(own_flag_files.begin(), own_flag_files.end(), [filename](const auto& own) {
    if (filename == own) return true;
    absl::string_view rest = filename;
    return absl::ConsumeSuffix(&rest, own) && absl::EndsWith(rest, "/");
  });
}

std::string RelativeToSourceRoot(absl::string_view filename) {
  absl::string_view root = kThisFile;
  if (!absl::ConsumeSuffix(&root, kThisFileInTree)) return std::string(filename);
  absl::ConsumePrefix(&filename, root);
  return std::string(filename);
}

void ConfigureFlagHelp(const FlagHelpOptions& options) {
  absl::SetProgramUsageMessage(options.usage);
  absl::FlagsUsageConfig config;
  const std::vector<std::string> own = options.own_flag_files;
  config.contains_help_flags = [own](absl::string_view file) { return IsOwnFlagFile(own, file); };
  config.contains_helpshort_flags = config.contains_help_flags;
  config.contains_helppackage_flags = config.contains_help_flags;
  config.normalize_filename = [](absl::string_view file) { return RelativeToSourceRoot(file); };
  const std::string version = options.version;
  config.version_string = [version] { return version + "\n"; };
  absl::SetFlagsUsageConfig(std::move(config));
}

bool HelpRequested(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") return false;
    if (arg == "--help" || arg == "-help" || arg == "--help=true" || arg == "-help=true") {
      return true;
    }
  }
  return false;
}

void PrintFlagHelp(const FlagHelpOptions& options, std::ostream& out) {
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!flag->IsRetired() && IsOwnFlagFile(options.own_flag_files, flag->Filename())) {
      flags.push_back(flag);
    }
  }
  std::sort(flags.begin(), flags.end(),
            [](const auto* a, const auto* b) { return a->Name() < b->Name(); });
  out << options.program << ": " << options.usage << "\n\nFlags:\n";
  for (const absl::CommandLineFlag* flag : flags) {
    const std::string default_value = flag->DefaultValue();
    out << "  --" << flag->Name()
        << " (default: " << (default_value.empty() ? "\"\"" : default_value) << ")\n      "
        << absl::StrReplaceAll(flag->Help(), {{"\n", "\n      "}}) << "\n";
  }
  out << "\n--helpfull also lists the flags of the libraries (Abseil's own).\n";
}

}  // namespace trackd
