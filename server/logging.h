// One-line JSON log records on stdout: {"time":…,"level":…,"msg":…,…}.
// For start-up, state changes and errors; never one line per request.
#ifndef TRACKD_SERVER_LOGGING_H_
#define TRACKD_SERVER_LOGGING_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace trackd {

// A record's "level": what an operator should do about it. kInfo: nothing
// (start, stop, summaries); kWarning: watch (a peer failing, a retry);
// kError: act (trackd stopped taking writes, or cannot start).
enum class LogLevel { kInfo, kWarning, kError };

// Writes one record with string `fields` after the message. Thread-safe (one
// write call per record).
void Log(LogLevel level, absl::string_view message,
         std::initializer_list<std::pair<absl::string_view, std::string>> fields = {});

// Returns `url` fit for a log: userinfo ("user:password@") and the query
// string and fragment, where credentials such as api_key=... travel, are
// replaced by "(redacted)"; scheme, host, port and path stay.
std::string RedactUrl(absl::string_view url);

}  // namespace trackd

#endif  // TRACKD_SERVER_LOGGING_H_
