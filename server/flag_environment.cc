#include "server/flag_environment.h"

#include <algorithm>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace trackd {
namespace {

constexpr char kKafkaPropertyFlag[] = "kafka_property";

// Abseil defines its built-in flags (--flagfile, --fromenv, --help, ...) in
// absl/flags/; TRACKD_FLAGFILE must not smuggle in a file of flags.
bool IsAbseilFlag(const absl::CommandLineFlag& flag) {
  return absl::StrContains(flag.Filename(), "absl/flags/");
}

// The names of the flags that get a TRACKD_<FLAG> variable, sorted so that the
// arguments come out in the same order on every run. --kafka_property is left
// out: it repeats, and TRACKD_KAFKA_PROPERTIES holds it one per line instead.
std::vector<std::string> EnvironmentFlagNames() {
  std::vector<std::string> names;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (IsAbseilFlag(*flag) || name == kKafkaPropertyFlag) continue;
    names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::vector<std::string> ArgsWithEnvironment(int argc, char** argv, const GetEnv& getenv) {
  std::vector<std::string> args;
  args.emplace_back(argc > 0 ? argv[0] : "trackd");
  for (const std::string& name : EnvironmentFlagNames()) {
    const std::string variable = absl::AsciiStrToUpper(absl::StrCat("TRACKD_", name));
    if (const char* value = getenv(variable.c_str()); value != nullptr) {
      args.push_back(absl::StrCat("--", name, "=", value));
    }
  }
  if (const char* properties = getenv("TRACKD_KAFKA_PROPERTIES"); properties != nullptr) {
    for (absl::string_view line : absl::StrSplit(properties, '\n', absl::SkipWhitespace())) {
      args.push_back(absl::StrCat("--", kKafkaPropertyFlag, "=", absl::StripAsciiWhitespace(line)));
    }
  }
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return args;
}

std::vector<std::string> TakeRepeatedKafkaProperties(std::vector<std::string>& args) {
  std::vector<std::string> values;
  std::vector<std::string> rest;
  const std::string flag = absl::StrCat("--", kKafkaPropertyFlag);
  const std::string prefix = absl::StrCat(flag, "=");
  for (size_t i = 0; i < args.size(); ++i) {
    if (absl::StartsWith(args[i], prefix)) {
      values.push_back(args[i].substr(prefix.size()));
    } else if (args[i] == flag && i + 1 < args.size()) {
      values.push_back(args[++i]);
    } else {
      rest.push_back(std::move(args[i]));
    }
  }
  args = std::move(rest);
  return values;
}

}  // namespace trackd
