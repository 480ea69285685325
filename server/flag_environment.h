// The TRACKD_<FLAG> environment variables of the trackd binary. Kubernetes
// sets configuration as environment variables; each of trackd's flags has one,
// found in Abseil's flag registry, so a new flag gets its variable without a
// list to keep. Part of the binary, not of trackd_core.
#ifndef TRACKD_SERVER_FLAG_ENVIRONMENT_H_
#define TRACKD_SERVER_FLAG_ENVIRONMENT_H_

#include <functional>
#include <string>
#include <vector>

namespace trackd {

// Looks up an environment variable; nullptr when it is not set (std::getenv).
using GetEnv = std::function<const char*(const char*)>;

// Returns the arguments to parse: argv[0]; then "--flag=value" for each flag
// linked into the binary, except Abseil's own (--flagfile, --help, ...) and
// --kafka_property, whose TRACKD_<FLAG> variable (flag name upper-cased)
// `getenv` finds, in flag-name order; then one --kafka_property per non-blank
// line of TRACKD_KAFKA_PROPERTIES; then argv[1..]. A flag given on the command
// line comes later and so wins.
std::vector<std::string> ArgsWithEnvironment(int argc, char** argv, const GetEnv& getenv);

// Removes every --kafka_property=KEY=VALUE (or "--kafka_property KEY=VALUE")
// from `args` and returns the values in order. absl flags keep only the last
// occurrence of a flag; this one is meant to be repeated.
std::vector<std::string> TakeRepeatedKafkaProperties(std::vector<std::string>& args);

}  // namespace trackd

#endif  // TRACKD_SERVER_FLAG_ENVIRONMENT_H_
