#include "trackd/common/documented_json_path.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace trackd {
namespace {

// A request field (and everything below it) and where the encoder writes it.
struct Renamed {
  absl::string_view request_field;
  absl::string_view json_path;
};

// Where AppendDocumentedJson puts the request fields whose JSON key differs from their name.
constexpr Renamed kRenamed[] = {
    {"account_added_user", "properties"},
    {"group_id", "context.group_id"},
    {"event_name", "event"},
};

}  // namespace

std::string DocumentedJsonPath(absl::string_view request_field) {
  for (const Renamed& renamed : kRenamed) {
    absl::string_view rest = request_field;
    if (!absl::ConsumePrefix(&rest, renamed.request_field)) continue;
    if (rest.empty() || rest[0] == '.' || rest[0] == '[') {
      return absl::StrCat(renamed.json_path, rest);
    }
  }
  return std::string(request_field);
}

}  // namespace trackd
