#include "server/json_encoder.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/container/inlined_vector.h"

#include "google/protobuf/struct.pb.h"
#include "server/validate.h"

namespace trackd {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void AppendValue(const google::protobuf::Value& value, std::string* out);

// Writes a Struct with its keys in byte order, so equal maps give equal lines.
void AppendStructFields(const google::protobuf::Struct& s, absl::string_view skip_key,
                        bool need_comma, std::string* out) {
  // Most structs are small: sort them on the stack.
  absl::InlinedVector<const google::protobuf::MapPair<std::string, google::protobuf::Value>*, 16>
      entries;
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

// Writes `value` as exactly `width` decimal digits at `p`; returns the end.
char* WriteDigits(unsigned value, int width, char* p) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return p + width;
}

// What AppendJsonString does with each byte: copy it, or stop the run of
// copied bytes and escape (or, for 0xE2, look for U+2028/U+2029).
constexpr std::array<bool, 256> kStopsRun = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = true;
  table['\\'] = true;
  table[0xE2] = true;
  return table;
}();

constexpr uint64_t kOnes = 0x0101010101010101;
constexpr uint64_t kHighBits = 0x8080808080808080;

uint64_t LoadWord(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

// Non-zero when a byte of `word` is zero; exact as a whole (a borrow only
// crosses into the next byte from a byte that was zero).
uint64_t HasZeroByte(uint64_t word) { return (word - kOnes) & ~word & kHighBits; }

// Whether one of the eight bytes in `word` is one kStopsRun marks: below 0x20,
// '"', '\\' or 0xE2. Exact, so a word it passes is copied as it is.
bool WordStopsRun(uint64_t word) {
  const uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighBits;
  return (below_space | HasZeroByte(word ^ (kOnes * '"')) | HasZeroByte(word ^ (kOnes * '\\')) |
          HasZeroByte(word ^ (kOnes * 0xE2))) != 0;
}

// An upper bound, in the common case of nothing to escape, of the JSON of
// `value`, so the line is reserved once.
size_t EstimateValue(const google::protobuf::Value& value);

size_t EstimateFields(const google::protobuf::Struct& s) {
  size_t bytes = 0;
  for (const auto& [key, value] : s.fields()) bytes += key.size() + 4 + EstimateValue(value);
  return bytes;
}

size_t EstimateValue(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStringValue:
      return value.string_value().size() + 2;
    case google::protobuf::Value::kStructValue:
      return EstimateFields(value.struct_value()) + 2;
    case google::protobuf::Value::kListValue: {
      size_t bytes = 2;
      for (const auto& item : value.list_value().values()) bytes += EstimateValue(item) + 1;
      return bytes;
    }
    default:
      return 24;  // The longest shortest form of a double, e.g. -2.2250738585072014e-308.
  }
}

// The JSON of `request` less its strings and Structs, which EstimateLine adds:
// the fixed keys, the typed property keys, "group_id" and the timestamp.
constexpr size_t kLineOverhead = 192;

size_t EstimateLine(const v1::TrackRequest& request) {
  size_t bytes = kLineOverhead + request.user_id().size() + request.event_name().size() +
                 request.group_id().size();
  if (request.has_account_added_user()) {
    const auto& props = request.account_added_user();
    bytes += props.user_name().size() + props.user_email().size() + props.user_role().size();
  } else if (request.has_properties()) {
    bytes += EstimateFields(request.properties());
  }
  if (request.has_context()) bytes += EstimateFields(request.context());
  return bytes;
}

}  // namespace

void AppendJsonString(absl::string_view value, std::string* out) {
  out->push_back('"');
  const char* const data = value.data();
  const size_t size = value.size();
  size_t run_start = 0;
  size_t i = 0;
  while (i < size) {
    // Skip eight bytes at a time while none of them stops the run.
    if (i + 8 <= size) {
      if (!WordStopsRun(LoadWord(data + i))) {
        i += 8;
        continue;
      }
    } else if (size >= 8 && !WordStopsRun(LoadWord(data + size - 8))) {
      break;  // The last bytes, in one word overlapping bytes already looked at.
    }
    for (const size_t end = std::min(i + 8, size); i < end; ++i) {
      const auto c = static_cast<unsigned char>(data[i]);
      if (!kStopsRun[c]) continue;
      // U+2028/U+2029 (E2 80 A8/A9) are valid JSON but end lines in JavaScript
      // and some readers; any other character starting with E2 is copied.
      const bool line_separator = c == 0xE2 && i + 2 < size &&
                                  static_cast<unsigned char>(data[i + 1]) == 0x80 &&
                                  (static_cast<unsigned char>(data[i + 2]) & 0xFE) == 0xA8;
      if (c == 0xE2 && !line_separator) continue;
      out->append(data + run_start, i - run_start);
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
            out->append(static_cast<unsigned char>(data[i + 2]) == 0xA8 ? "\\u2028"
                                                                         : "\\u2029");
            i += 2;
          } else {
            const char escape[6] = {'\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0xF]};
            out->append(escape, sizeof(escape));
          }
      }
      run_start = i + 1;
    }
  }
  out->append(data + run_start, size - run_start);
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
  // "YYYY-MM-DDThh:mm:ss.mmmZ" with its quotes, written in place and appended once.
  char buf[26];
  char* p = buf;
  *p++ = '"';
  p = WriteDigits(static_cast<unsigned>(year), 4, p);
  *p++ = '-';
  p = WriteDigits(month, 2, p);
  *p++ = '-';
  p = WriteDigits(day, 2, p);
  *p++ = 'T';
  p = WriteDigits(static_cast<unsigned>(second_of_day / 3600), 2, p);
  *p++ = ':';
  p = WriteDigits(static_cast<unsigned>(second_of_day / 60 % 60), 2, p);
  *p++ = ':';
  p = WriteDigits(static_cast<unsigned>(second_of_day % 60), 2, p);
  *p++ = '.';
  p = WriteDigits(static_cast<unsigned>(nanos / 1'000'000), 3, p);
  *p++ = 'Z';
  *p++ = '"';
  out->append(buf, p - buf);
}

void AppendDocumentedJson(const v1::TrackRequest& request, std::string* out) {
  out->reserve(out->size() + EstimateLine(request));
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
  AppendDocumentedJson(request, &out);
  return out;
}

}  // namespace trackd
