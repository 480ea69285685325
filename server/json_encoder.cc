#include "server/json_encoder.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "server/validate.h"

namespace trackd {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void AppendValue(const google::protobuf::Value& value, std::string* out);

// Writes a Struct with its keys in byte order, so equal maps give equal lines.
void AppendStructFields(const google::protobuf::Struct& s, absl::string_view skip_key,
                        bool need_comma, std::string* out) {
  std::vector<const google::protobuf::MapPair<std::string, google::protobuf::Value>*> entries;
  entries.reserve(s.fields().size());
  for (const auto& entry : s.fields()) {
    if (entry.first != skip_key) entries.push_back(&entry);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  for (const auto* entry : entries) {
    if (need_comma) out->push_back(',');
    need_comma = true;
    AppendJsonString(entry->first, out);
    out->push_back(':');
    AppendValue(entry->second, out);
  }
}

void AppendNumber(double number, std::string* out) {
  // -0.0 becomes 0: readers (protobuf's JSON parser, hence trackctl) read "-0"
  // as 0, and a line must read back as itself.
  if (number == 0) number = 0;
  char buf[32];
  // Shortest text that reads back as the same double; integers print without ".0".
  const auto result = std::to_chars(buf, buf + sizeof(buf), number);
  out->append(buf, result.ptr);
}

void AppendValue(const google::protobuf::Value& value, std::string* out) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStringValue:
      AppendJsonString(value.string_value(), out);
      return;
    case google::protobuf::Value::kNumberValue:
      AppendNumber(value.number_value(), out);
      return;
    case google::protobuf::Value::kBoolValue:
      out->append(value.bool_value() ? "true" : "false");
      return;
    case google::protobuf::Value::kStructValue:
      out->push_back('{');
      AppendStructFields(value.struct_value(), {}, false, out);
      out->push_back('}');
      return;
    case google::protobuf::Value::kListValue: {
      out->push_back('[');
      bool first = true;
      for (const auto& item : value.list_value().values()) {
        if (!first) out->push_back(',');
        first = false;
        AppendValue(item, out);
      }
      out->push_back(']');
      return;
    }
    case google::protobuf::Value::kNullValue:
    case google::protobuf::Value::KIND_NOT_SET:  // Rejected by validation.
      out->append("null");
      return;
  }
}

// Appends "key":"value" for a non-empty value, with a leading comma unless first.
void AppendOptionalProperty(absl::string_view key, const std::string& value, bool* first,
                            std::string* out) {
  if (value.empty()) return;
  if (!*first) out->push_back(',');
  *first = false;
  AppendJsonString(key, out);
  out->push_back(':');
  AppendJsonString(value, out);
}

// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int64_t>(yoe) + era * 400 + (*month <= 2);
}

void AppendDigits(unsigned value, int width, std::string* out) {
  char buf[8];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out->append(buf, width);
}

}  // namespace

void AppendJsonString(absl::string_view value, std::string* out) {
  out->push_back('"');
  size_t run_start = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const bool line_separator = c == 0xE2 && i + 2 < value.size() &&
                                static_cast<unsigned char>(value[i + 1]) == 0x80 &&
                                (static_cast<unsigned char>(value[i + 2]) & 0xFE) == 0xA8;
    if (c >= 0x20 && c != '"' && c != '\\' && !line_separator) continue;
    out->append(value.data() + run_start, i - run_start);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        if (line_separator) {
          // U+2028/U+2029 are valid JSON but end lines in JavaScript and some readers.
          out->append(static_cast<unsigned char>(value[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
          i += 2;
        } else {
          out->append("\\u00");
          out->push_back(kHexDigits[c >> 4]);
          out->push_back(kHexDigits[c & 0xF]);
        }
    }
    run_start = i + 1;
  }
  out->append(value.data() + run_start, value.size() - run_start);
  out->push_back('"');
}

void AppendTimestamp(int64_t seconds, int32_t nanos, std::string* out) {
  int64_t days = seconds / 86400;
  int64_t second_of_day = seconds % 86400;
  if (second_of_day < 0) {
    second_of_day += 86400;
    --days;
  }
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  out->push_back('"');
  AppendDigits(static_cast<unsigned>(year), 4, out);
  out->push_back('-');
  AppendDigits(month, 2, out);
  out->push_back('-');
  AppendDigits(day, 2, out);
  out->push_back('T');
  AppendDigits(static_cast<unsigned>(second_of_day / 3600), 2, out);
  out->push_back(':');
  AppendDigits(static_cast<unsigned>(second_of_day / 60 % 60), 2, out);
  out->push_back(':');
  AppendDigits(static_cast<unsigned>(second_of_day % 60), 2, out);
  out->push_back('.');
  AppendDigits(static_cast<unsigned>(nanos / 1'000'000), 3, out);
  out->append("Z\"");
}

void AppendDocumentedJson(const v1::TrackRequest& request, std::string* out) {
  out->append("{\"user_id\":");
  AppendJsonString(request.user_id(), out);

  out->append(",\"event\":");
  if (request.has_account_added_user()) {
    AppendJsonString(kAccountAddedUserEvent, out);
  } else {
    AppendJsonString(request.event_name(), out);
  }

  out->append(",\"properties\":{");
  if (request.has_account_added_user()) {
    const auto& props = request.account_added_user();
    bool first = true;
    AppendOptionalProperty("user_name", props.user_name(), &first, out);
    AppendOptionalProperty("user_email", props.user_email(), &first, out);
    AppendOptionalProperty("user_role", props.user_role(), &first, out);
  } else if (request.has_properties()) {
    AppendStructFields(request.properties(), {}, false, out);
  }

  out->append("},\"context\":{");
  bool has_group = !request.group_id().empty();
  if (has_group) {
    out->append("\"group_id\":");
    AppendJsonString(request.group_id(), out);
  }
  if (request.has_context()) {
    AppendStructFields(request.context(), "group_id", has_group, out);
  }

  out->append("},\"timestamp\":");
  AppendTimestamp(request.timestamp().seconds(), request.timestamp().nanos(), out);
  out->push_back('}');
}

std::string EncodeDocumentedJson(const v1::TrackRequest& request) {
  std::string out;
  out.reserve(256);
  AppendDocumentedJson(request, &out);
  return out;
}

}  // namespace trackd
