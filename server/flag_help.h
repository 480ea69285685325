// `--help` for trackd and trackctl: their own flags, with descriptions and defaults, and exit 0.
// Abseil's --help selects flags by the file that defines them, which matches neither binary
// (trackd's are in server/flags.cc, trackctl's in tools/trackctl/main.cc), so it printed
// "No flags matched." and exited 1. This unit sets Abseil's usage configuration (so --helpshort
// and --helpfull name files relative to the source tree, not the build machine's path) and
// prints --help itself; --helpfull stays Abseil's own.
#ifndef TRACKD_SERVER_FLAG_HELP_H_
#define TRACKD_SERVER_FLAG_HELP_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace trackd {

struct FlagHelpOptions {
  // The binary's name: help starts "<program>: <usage>", as Abseil's --helpfull does.
  std::string program;
  // Source files, relative to the repository root, whose flags are the binary's own,
  // e.g. {"server/flags.cc"}.
  std::vector<std::string> own_flag_files;
  // What the program does and how to call it. It does not begin with the program's name,
  // which Abseil and PrintFlagHelp put in front of it.
  std::string usage;
  // Printed by --version.
  std::string version;
};

// Sets Abseil's usage message and usage configuration from `options`. Call once in main, before
// absl::ParseCommandLine. Not thread-safe (Abseil's configuration is process-wide).
void ConfigureFlagHelp(const FlagHelpOptions& options);

// True when argv (before a "--") holds --help or -help (or --help=true). Abseil handles those
// inside ParseCommandLine and exits 1; the binaries check first and exit 0 instead.
bool HelpRequested(int argc, char** argv);

// Writes "<program>: <usage>", then each flag defined in options.own_flag_files, sorted by name, as
// "  --name (default: value)" and its description indented below, then a line pointing to
// --helpfull.
void PrintFlagHelp(const FlagHelpOptions& options, std::ostream& out);

// True when `filename` (a flag's __FILE__, absolute or relative) names one of `own_flag_files`
// (paths relative to the repository root): equal to it, or ending in "/" followed by it.
bool IsOwnFlagFile(const std::vector<std::string>& own_flag_files, absl::string_view filename);

// The path of `filename` (a flag's __FILE__) relative to the repository root, when it lies in
// it; otherwise `filename` unchanged.
std::string RelativeToSourceRoot(absl::string_view filename);

}  // namespace trackd

#endif  // TRACKD_SERVER_FLAG_HELP_H_
