#include "trackd/common/json_encoder.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "absl/base/attributes.h"
#include "absl/container/inlined_vector.h"
#include "google/protobuf/struct.pb.h"
#include "trackd/common/contract.h"

namespace trackd {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr uint64_t kOnes = 0x0101010101010101;
constexpr uint64_t kHighBits = 0x8080808080808080;

ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint64_t LoadWord(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

// Non-zero when a byte of `word` is zero; exact as a whole (a borrow only
// crosses into the next byte from a byte that was zero).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint64_t HasZeroByte(uint64_t word) {
  return (word - kOnes) & ~word & kHighBits;
}

// Whether one of the eight bytes in `word` is one kStopsRun marks: below 0x20,
// '"', '\\' or 0xE2. Exact, so a word it passes is copied as it is.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool WordStopsRun(uint64_t word) {
  const uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighBits;
  return (below_space | HasZeroByte(word ^ (kOnes * '"')) | HasZeroByte(word ^ (kOnes * '\\')) |
          HasZeroByte(word ^ (kOnes * 0xE2))) != 0;
}

// What a JSON string does with each byte: copy it, or stop the run of copied
// bytes and escape (or, for 0xE2, look for U+2028/U+2029).
constexpr std::array<bool, 256> kStopsRun = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = true;
  table['\\'] = true;
  table[0xE2] = true;
  return table;
}();

// Writes a line straight into the tail of a std::string: the string is grown
// (zero-filled) ahead of the writes and cut to what was written by Finish.
// Each write first makes room for what it may write, so the many small pieces
// of a line cost a pointer bump each instead of a call into std::string.
class LineWriter {
 public:
  // Starts writing at the end of `out`, with room for `expected` bytes.
  LineWriter(std::string* out, size_t expected) : out_(*out), used_(out->size()) { Grow(expected); }

  // Cuts `out` to what was written.
  void Finish() { out_.resize(Position()); }

  // Makes room for `bytes` more.
  ABSL_ATTRIBUTE_ALWAYS_INLINE void Reserve(size_t bytes) {
    if (static_cast<size_t>(end_ - p_) < bytes) Grow(bytes);
  }

  // The writes below need room made by Reserve.
  ABSL_ATTRIBUTE_ALWAYS_INLINE void Put(char c) { *p_++ = c; }
  ABSL_ATTRIBUTE_ALWAYS_INLINE void Put(const char* s, size_t n) {
    std::memcpy(p_, s, n);
    p_ += n;
  }
  template <size_t N>
  ABSL_ATTRIBUTE_ALWAYS_INLINE void PutLiteral(const char (&s)[N]) {
    Put(s, N - 1);
  }
  char* cursor() { return p_; }
  void Advance(char* to) { p_ = to; }

  // Writes a literal of text without making room first.
  template <size_t N>
  ABSL_ATTRIBUTE_ALWAYS_INLINE void Literal(const char (&s)[N]) {
    Reserve(N - 1);
    PutLiteral(s);
  }

  // Writes `value` as a JSON string literal (see AppendJsonString).
  void JsonString(absl::string_view value);

 private:
  size_t Position() const { return out_.size() - static_cast<size_t>(end_ - p_); }

  ABSL_ATTRIBUTE_NOINLINE void Grow(size_t bytes) {
    const size_t position = p_ == nullptr ? used_ : Position();
    // At least double, so a line that outgrows its estimate grows in few steps.
    out_.resize(std::max(position + bytes, position + (position - used_)));
    p_ = out_.data() + position;
    end_ = out_.data() + out_.size();
  }

  std::string& out_;
  const size_t used_;  // Bytes of `out_` before this line.
  char* p_ = nullptr;
  char* end_ = nullptr;
};

void LineWriter::JsonString(absl::string_view value) {
  const char* const data = value.data();
  const size_t size = value.size();
  // Room for the value as it is and both quotes; each escape below makes room
  // for its own extra bytes, keeping room for the rest of the value.
  Reserve(size + 2);
  Put('"');
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
      Put(data + run_start, i - run_start);
      Reserve(6 + (size - i) + 1);  // The escape, the rest of the value, the quote.
      switch (c) {
        case '"':
          PutLiteral("\\\"");
          break;
        case '\\':
          PutLiteral("\\\\");
          break;
        case '\n':
          PutLiteral("\\n");
          break;
        case '\r':
          PutLiteral("\\r");
          break;
        case '\t':
          PutLiteral("\\t");
          break;
        case '\b':
          PutLiteral("\\b");
          break;
        case '\f':
          PutLiteral("\\f");
          break;
        default:
          if (line_separator) {
            if (static_cast<unsigned char>(data[i + 2]) == 0xA8) {
              PutLiteral("\\u2028");
            } else {
              PutLiteral("\\u2029");
            }
            i += 2;
          } else {
            PutLiteral("\\u00");
            Put(kHexDigits[c >> 4]);
            Put(kHexDigits[c & 0xF]);
          }
      }
      run_start = i + 1;
    }
  }
  Put(data + run_start, size - run_start);
  Put('"');
}

void WriteValue(const google::protobuf::Value& value, LineWriter& out);

// Writes a Struct with its keys in byte order, so equal maps give equal lines.
void WriteStructFields(const google::protobuf::Struct& s, absl::string_view skip_key,
                       bool need_comma, LineWriter& out) {
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
    if (need_comma) out.Literal(",");
    need_comma = true;
    out.JsonString(entry->first);
    out.Literal(":");
    WriteValue(entry->second, out);
  }
}

void WriteNumber(double number, LineWriter& out) {
  // -0.0 becomes 0: readers (protobuf's JSON parser, and trackctl's) read "-0"
  // as 0, and a line must read back as itself.
  if (number == 0) number = 0;
  // Shortest text that reads back as the same double; integers print without
  // ".0". At most 24 characters (-2.2250738585072014e-308).
  constexpr size_t kMaxNumberChars = 32;
  out.Reserve(kMaxNumberChars);
  const auto result = std::to_chars(out.cursor(), out.cursor() + kMaxNumberChars, number);
  out.Advance(result.ptr);
}

void WriteValue(const google::protobuf::Value& value, LineWriter& out) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStringValue:
      out.JsonString(value.string_value());
      return;
    case google::protobuf::Value::kNumberValue:
      WriteNumber(value.number_value(), out);
      return;
    case google::protobuf::Value::kBoolValue:
      if (value.bool_value()) {
        out.Literal("true");
      } else {
        out.Literal("false");
      }
      return;
    case google::protobuf::Value::kStructValue:
      out.Literal("{");
      WriteStructFields(value.struct_value(), {}, false, out);
      out.Literal("}");
      return;
    case google::protobuf::Value::kListValue: {
      out.Literal("[");
      bool first = true;
      for (const auto& item : value.list_value().values()) {
        if (!first) out.Literal(",");
        first = false;
        WriteValue(item, out);
      }
      out.Literal("]");
      return;
    }
    case google::protobuf::Value::kNullValue:
    case google::protobuf::Value::KIND_NOT_SET:  // Rejected by validation.
      out.Literal("null");
      return;
  }
}

// Writes "key":"value" for a non-empty value, with a leading comma unless first.
template <size_t N>
void WriteOptionalProperty(const char (&quoted_key)[N], const std::string& value, bool* first,
                           LineWriter& out) {
  if (value.empty()) return;
  if (!*first) out.Literal(",");
  *first = false;
  out.Literal(quoted_key);
  out.JsonString(value);
}

// The typed string fields the encoder writes, looked up once.
struct TypedFields {
  const google::protobuf::FieldDescriptor* user_id;
  const google::protobuf::FieldDescriptor* group_id;
  const google::protobuf::FieldDescriptor* user_name;
  const google::protobuf::FieldDescriptor* user_email;
  const google::protobuf::FieldDescriptor* user_role;

  static const TypedFields& Get() {
    static const TypedFields fields = [] {
      const auto* request = v1::TrackRequest::descriptor();
      const auto* props = v1::AccountAddedUser::descriptor();
      return TypedFields{request->FindFieldByNumber(v1::TrackRequest::kUserIdFieldNumber),
                         request->FindFieldByNumber(v1::TrackRequest::kGroupIdFieldNumber),
                         props->FindFieldByNumber(v1::AccountAddedUser::kUserNameFieldNumber),
                         props->FindFieldByNumber(v1::AccountAddedUser::kUserEmailFieldNumber),
                         props->FindFieldByNumber(v1::AccountAddedUser::kUserRoleFieldNumber)};
    }();
    return fields;
  }
};

// Points `*value` at what the line carries for `field` (kept in `scratch` when
// replaced); false when the key is left out.
bool Filter(const PersonalValueFilter& personal, const google::protobuf::FieldDescriptor& field,
            absl::string_view* value, std::string* scratch) {
  if (!personal.IsPersonal(field)) return true;
  if (!personal.Replace(*value, scratch)) return false;
  *value = *scratch;
  return true;
}

// WriteOptionalProperty for a field `personal` may replace or leave out.
template <size_t N>
void WriteFilteredProperty(const char (&quoted_key)[N], const std::string& value,
                           const google::protobuf::FieldDescriptor& field,
                           const PersonalValueFilter& personal, bool* first, LineWriter& out) {
  if (value.empty()) return;
  absl::string_view written = value;
  std::string scratch;
  if (!Filter(personal, field, &written, &scratch)) return;
  if (!*first) out.Literal(",");
  *first = false;
  out.Literal(quoted_key);
  out.JsonString(written);
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

// Writes "YYYY-MM-DDThh:mm:ss.mmmZ" with its quotes.
void WriteTimestamp(int64_t seconds, int32_t nanos, LineWriter& out) {
  int64_t days = seconds / 86400;
  int64_t second_of_day = seconds % 86400;
  if (second_of_day < 0) {
    second_of_day += 86400;
    --days;
  }
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  constexpr size_t kTimestampChars = 26;
  out.Reserve(kTimestampChars);
  char* p = out.cursor();
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
  out.Advance(p);
}

// The size of the JSON of `value` when nothing needs escaping (numbers at
// their longest), so a line is sized once.
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
// the fixed keys, the typed property keys and event name, "group_id" and the
// timestamp (169 bytes), with room to spare.
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
  LineWriter writer(out, value.size() + 2);
  writer.JsonString(value);
  writer.Finish();
}

void AppendTimestamp(int64_t seconds, int32_t nanos, std::string* out) {
  LineWriter writer(out, 26);
  WriteTimestamp(seconds, nanos, writer);
  writer.Finish();
}

void AppendDocumentedJson(const v1::TrackRequest& request, std::string* out,
                          const PersonalValueFilter* personal) {
  LineWriter line(out, EstimateLine(request));
  const TypedFields* fields = personal == nullptr ? nullptr : &TypedFields::Get();
  std::string scratch;  // Holds a replaced value while it is written.
  absl::string_view user_id = request.user_id();
  if (personal == nullptr || Filter(*personal, *fields->user_id, &user_id, &scratch)) {
    line.Literal("{\"user_id\":");
    line.JsonString(user_id);
    line.Literal(",\"event\":");
  } else {
    line.Literal("{\"event\":");
  }
  if (request.has_account_added_user()) {
    line.JsonString(kAccountAddedUserEvent);
  } else {
    line.JsonString(request.event_name());
  }

  line.Literal(",\"properties\":{");
  if (request.has_account_added_user()) {
    const auto& props = request.account_added_user();
    bool first = true;
    if (personal == nullptr) {
      WriteOptionalProperty("\"user_name\":", props.user_name(), &first, line);
      WriteOptionalProperty("\"user_email\":", props.user_email(), &first, line);
      WriteOptionalProperty("\"user_role\":", props.user_role(), &first, line);
    } else {
      WriteFilteredProperty("\"user_name\":", props.user_name(), *fields->user_name, *personal,
                            &first, line);
      WriteFilteredProperty("\"user_email\":", props.user_email(), *fields->user_email, *personal,
                            &first, line);
      WriteFilteredProperty("\"user_role\":", props.user_role(), *fields->user_role, *personal,
                            &first, line);
    }
  } else if (request.has_properties()) {
    WriteStructFields(request.properties(), {}, false, line);
  }

  line.Literal("},\"context\":{");
  absl::string_view group_id = request.group_id();
  bool has_group = !group_id.empty() && (personal == nullptr ||
                                         Filter(*personal, *fields->group_id, &group_id, &scratch));
  if (has_group) {
    line.Literal("\"group_id\":");
    line.JsonString(group_id);
  }
  if (request.has_context()) {
    WriteStructFields(request.context(), "group_id", has_group, line);
  }

  line.Literal("},\"timestamp\":");
  WriteTimestamp(request.timestamp().seconds(), request.timestamp().nanos(), line);
  line.Literal("}");
  line.Finish();
}

std::string EncodeDocumentedJson(const v1::TrackRequest& request) {
  std::string out;
  AppendDocumentedJson(request, &out);
  return out;
}

}  // namespace trackd
