#include "server/log_format.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace trackd::log_format {
namespace {

constexpr absl::string_view kPrefix = "segment-";
constexpr absl::string_view kDataSuffix = ".ndjson";
constexpr absl::string_view kIdsSuffix = ".ids";

std::string SegmentFileName(uint64_t number, absl::string_view suffix) {
  return absl::StrFormat("%s%020d%s", kPrefix, number, suffix);
}

bool AllDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string DataFileName(uint64_t number) { return SegmentFileName(number, kDataSuffix); }

std::string IdsFileName(uint64_t number) { return SegmentFileName(number, kIdsSuffix); }

std::string DataFilePath(absl::string_view dir, uint64_t number) {
  return absl::StrCat(dir, "/", DataFileName(number));
}

std::string IdsFilePath(absl::string_view dir, uint64_t number) {
  return absl::StrCat(dir, "/", IdsFileName(number));
}

std::optional<uint64_t> ParseSegmentFileName(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, kPrefix)) return std::nullopt;
  if (!absl::ConsumeSuffix(&name, kDataSuffix) && !absl::ConsumeSuffix(&name, kIdsSuffix)) {
    return std::nullopt;
  }
  uint64_t number;
  if (!AllDigits(name) || !absl::SimpleAtoi(name, &number)) return std::nullopt;
  return number;
}

void AppendDataLine(absl::string_view json, std::string& out) {
  out.append(json.data(), json.size());
  out.push_back('\n');
}

bool IsDataLine(absl::string_view line) {
  return line.size() >= 2 && line.front() == '{' && line.back() == '}' &&
         line.find('\0') == absl::string_view::npos;
}

IdLineWriter::IdLineWriter(absl::Time stored_at)
    : stamp_(absl::StrCat(absl::ToUnixMillis(stored_at), " ")) {}

void IdLineWriter::Append(absl::string_view message_id, std::string& out) const {
  out.append(stamp_);
  out.append(message_id.data(), message_id.size());
  out.push_back('\n');
}

std::optional<IdLine> ParseIdLine(absl::string_view line) {
  const size_t space = line.find(' ');
  if (space == absl::string_view::npos || space + 1 >= line.size()) return std::nullopt;
  const absl::string_view stamp = line.substr(0, space);
  int64_t millis;
  if (!AllDigits(stamp) || !absl::SimpleAtoi(stamp, &millis)) return std::nullopt;
  if (line.find('\0', space) != absl::string_view::npos) return std::nullopt;
  return IdLine{absl::FromUnixMillis(millis), line.substr(space + 1)};
}

bool LineReader::Next(absl::string_view& line) {
  const size_t newline = content_.find('\n', offset_);
  if (newline == absl::string_view::npos) return false;  // The end, or a torn tail.
  line = content_.substr(offset_, newline - offset_);
  offset_ = newline + 1;
  return true;
}

std::vector<uint64_t> GoodLineEnds(absl::string_view content,
                                   bool (*is_good)(absl::string_view line)) {
  std::vector<uint64_t> ends;
  LineReader reader(content);
  absl::string_view line;
  while (reader.Next(line) && is_good(line)) ends.push_back(reader.offset());
  return ends;
}

}  // namespace trackd::log_format
