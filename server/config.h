// Command-line flags of the trackd binary and their TRACKD_* environment
// overrides. Read in main only; everything else receives a ServerConfig.
#ifndef TRACKD_SERVER_CONFIG_H_
#define TRACKD_SERVER_CONFIG_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/file_system.h"
#include "server/server.h"

namespace trackd {

// Returns the arguments to parse: argv[0], then "--flag=value" for each of our
// flags whose TRACKD_<FLAG> variable `getenv` finds (flag name upper-cased),
// then one --kafka_property per line of TRACKD_KAFKA_PROPERTIES, then
// argv[1..]. A flag given on the command line comes later and so wins.
std::vector<std::string> ArgsWithEnvironment(int argc, char** argv,
                                             const std::function<const char*(const char*)>& getenv);

// Removes every --kafka_property=KEY=VALUE (or "--kafka_property KEY=VALUE")
// from `args` and returns the values in order. absl flags keep only the last
// occurrence of a flag; this one is meant to be repeated.
std::vector<std::string> TakeRepeatedKafkaProperties(std::vector<std::string>& args);

// Builds the configuration from the parsed flags and the Kafka properties
// taken out before parsing. `getenv` supplies TRACKD_HTTP_AUTH_HEADER.
// INVALID_ARGUMENT names the flag when a value is missing or out of range.
absl::StatusOr<ServerConfig> ServerConfigFromFlags(
    const std::vector<std::string>& kafka_properties,
    const std::function<const char*(const char*)>& getenv);

// The file to which main writes the bound port once serving, or "" for none.
std::string PortFileFromFlags();

// The modes of the files and directories trackd creates (--data_group_readable).
FileModes DataModesFromFlags();

// How often main logs a summary line; zero for never.
absl::Duration LogSummaryIntervalFromFlags();

}  // namespace trackd

#endif  // TRACKD_SERVER_CONFIG_H_
