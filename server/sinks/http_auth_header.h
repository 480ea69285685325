// The auth header of requests to the Track API, read the same way by trackd's forwarder
// (--http_auth_header_file) and by trackctl resend-dead-letters.
#ifndef TRACKD_SERVER_SINKS_HTTP_AUTH_HEADER_H_
#define TRACKD_SERVER_SINKS_HTTP_AUTH_HEADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/file_system.h"
#include "server/flag_environment.h"  // GetEnv

namespace trackd {

// The header line sent with every upstream request: the first line of `file`
// when `file` is not empty, else TRACKD_HTTP_AUTH_HEADER, else ""; white space
// around it removed. Returns INVALID_ARGUMENT naming --http_auth_header_file
// and why the file cannot be read; never its content.
absl::StatusOr<std::string> ReadHttpAuthHeader(FileSystem& fs, const std::string& file,
                                               const GetEnv& getenv);

}  // namespace trackd

#endif  // TRACKD_SERVER_SINKS_HTTP_AUTH_HEADER_H_
