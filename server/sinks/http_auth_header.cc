#include "server/sinks/http_auth_header.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace trackd {

absl::StatusOr<std::string> ReadHttpAuthHeader(FileSystem& fs, const std::string& file,
                                               const GetEnv& getenv) {
  std::string header;
  if (!file.empty()) {
    absl::StatusOr<std::string> content = fs.ReadFile(file);
    if (!content.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--http_auth_header_file: cannot read the HTTP auth header: ",
                       content.status().message()));
    }
    header = content->substr(0, content->find('\n'));
  } else if (const char* value = getenv("TRACKD_HTTP_AUTH_HEADER"); value != nullptr) {
    header = value;
  }
  return std::string(absl::StripAsciiWhitespace(header));
}

}  // namespace trackd
