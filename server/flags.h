// The command-line flags of the trackd binary, and the functions that turn
// them into a ServerConfig. The flags are defined in flags.cc, which only the
// trackd executable (and config_test) compiles: trackd_core takes a
// ServerConfig and knows no flags. Read in main only.
#ifndef TRACKD_SERVER_FLAGS_H_
#define TRACKD_SERVER_FLAGS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/config.h"
#include "server/file_system.h"
#include "server/flag_environment.h"
#include "server/sinks/http_auth_header.h"  // ReadHttpAuthHeader

namespace trackd {

// Builds the configuration from the parsed flags and the Kafka properties
// taken out before parsing (TakeRepeatedKafkaProperties), reading the HTTP
// auth header through `fs` and `getenv` (ReadHttpAuthHeader). Returns
// INVALID_ARGUMENT naming the flag when a value cannot be parsed, is out of
// range, or breaks ServerConfig::ValidateWithSizingFloors.
absl::StatusOr<ServerConfig> ServerConfigFromFlags(FileSystem& fs,
                                                   const std::vector<std::string>& kafka_properties,
                                                   const GetEnv& getenv);

// Splits each "key=value" at its first '='. INVALID_ARGUMENT naming
// --kafka_property for a property without '=' or with an empty key.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseKafkaProperties(
    const std::vector<std::string>& properties);

// The file to which main writes the bound port once serving, or "" for none.
std::string PortFileFromFlags();

// The modes of the files and directories trackd creates (--data_group_readable).
FileModes DataModesFromFlags();

// How often main logs a summary line; zero for never.
absl::Duration LogSummaryIntervalFromFlags();

}  // namespace trackd

#endif  // TRACKD_SERVER_FLAGS_H_
