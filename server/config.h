// Command-line flags of the trackd binary and their TRACKD_* environment
// overrides. Read in main only; everything else receives a ServerConfig.
#ifndef TRACKD_SERVER_CONFIG_H_
#define TRACKD_SERVER_CONFIG_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/server.h"

namespace trackd {

// Returns the arguments to parse: argv[0], then "--flag=value" for each of our
// flags whose TRACKD_<FLAG> variable `getenv` finds (flag name upper-cased),
// then argv[1..]. A flag given on the command line comes later and so wins.
std::vector<std::string> ArgsWithEnvironment(int argc, char** argv,
                                             const std::function<const char*(const char*)>& getenv);

// Builds the configuration from the parsed flags. INVALID_ARGUMENT names the
// flag when a value is out of range.
absl::StatusOr<ServerConfig> ServerConfigFromFlags();

// The file to which main writes the bound port once serving, or "" for none.
std::string PortFileFromFlags();

}  // namespace trackd

#endif  // TRACKD_SERVER_CONFIG_H_
