#include "server/logging.h"

#include <unistd.h>

#include <algorithm>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "trackd/common/json_encoder.h"

namespace trackd {
namespace {

absl::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "error";
}

}  // namespace

void Log(LogLevel level, absl::string_view message,
         std::initializer_list<std::pair<absl::string_view, std::string>> fields) {
  std::string line = "{\"time\":";
  AppendJsonString(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
                   &line);
  line.append(",\"level\":");
  AppendJsonString(LevelName(level), &line);
  line.append(",\"msg\":");
  AppendJsonString(message, &line);
  for (const auto& [key, value] : fields) {
    line.push_back(',');
    AppendJsonString(key, &line);
    line.push_back(':');
    AppendJsonString(value, &line);
  }
  line.append("}\n");
  // One write, so concurrent records do not interleave; a failed log write is not fatal.
  [[maybe_unused]] const ssize_t written = ::write(STDOUT_FILENO, line.data(), line.size());
}

std::string RedactUrl(absl::string_view url) {
  constexpr absl::string_view kRedacted = "(redacted)";
  std::string out;
  const size_t scheme_end = url.find("://");
  const size_t authority = scheme_end == absl::string_view::npos ? 0 : scheme_end + 3;
  out.append(url.data(), authority);
  absl::string_view rest = url.substr(authority);
  const size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  const size_t at = rest.substr(0, authority_end).rfind('@');
  if (at != absl::string_view::npos) {
    out.append(kRedacted.data(), kRedacted.size());
    rest = rest.substr(at);  // Keeps the '@'.
  }
  const size_t query = rest.find_first_of("?#");
  out.append(rest.data(), std::min(query, rest.size()));
  if (query != absl::string_view::npos) {
    out.push_back(rest[query]);
    out.append(kRedacted.data(), kRedacted.size());
  }
  return out;
}

}  // namespace trackd
