// The on-disk format of the event log, in one place (as leveldb's log_format.h
// and log reader): the names of its files, the two line formats, their limits,
// and how lines are read back. EventLog writes and recovers with it, the spool
// reader reads with it; no other code knows these details.
//
// Under the log's directory, segment N is a pair:
//   segment-<N>.ndjson  one documented JSON object per line ("data line");
//   segment-<N>.ids     "<stored unix ms> <message_id>" per line ("id line"),
//                       line k belonging to line k of the .ndjson file.
// N is written with 20 digits, zero-padded, so names sort in segment order.
// Beside the segments, the HTTP forwarder keeps forward.cursor and
// dead-letter.ndjson.
//
// Reading back: a line counts only once its '\n' is on disk; a last line
// without it is a torn tail (a crash in the middle of a write) and is never
// returned. All functions are pure and thread-safe.
#ifndef TRACKD_SERVER_LOG_FORMAT_H_
#define TRACKD_SERVER_LOG_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "trackd/common/contract.h"

namespace trackd::log_format {

// ---- Naming ----

// The file names (not paths) of segment `number`'s two files.
std::string DataFileName(uint64_t number);
std::string IdsFileName(uint64_t number);
// The paths of those files in directory `dir`.
std::string DataFilePath(absl::string_view dir, uint64_t number);
std::string IdsFilePath(absl::string_view dir, uint64_t number);

// Returns the segment number of a segment's .ndjson or .ids file name, or
// nullopt for any other name (the forwarder's files, a stray file, a number
// that is not a plain unsigned decimal).
std::optional<uint64_t> ParseSegmentFileName(absl::string_view name);

// The HTTP forwarder's default files in the log's directory.
inline constexpr absl::string_view kForwardCursorFileName = "forward.cursor";
inline constexpr absl::string_view kDeadLetterFileName = "dead-letter.ndjson";

// ---- Limits ----

// The longest data line, with its newline.
inline constexpr uint64_t kMaxDataLineBytes = kMaxEncodedEventBytes + 1;
// The longest id line, with its newline: the 20 digits of any unix ms, the
// space, a message_id of kMaxMessageIdChars characters of up to 4 UTF-8 bytes
// each, and the newline.
inline constexpr uint64_t kMaxIdLineBytes = 20 + 1 + kMaxUtf8BytesPerChar * kMaxMessageIdChars + 1;

// ---- Line formats ----

// Appends `json` (one documented JSON object, no newline) as a data line.
void AppendDataLine(absl::string_view json, std::string& out);

// True for a well-formed data line (without its newline): "{...}", no NUL.
bool IsDataLine(absl::string_view line);

// Formats the id lines of events stored at one instant; the stamp is
// formatted once (the writer appends many lines per commit).
class IdLineWriter {
 public:
  explicit IdLineWriter(absl::Time stored_at);
  // Appends the id line of `message_id`, with its newline.
  void Append(absl::string_view message_id, std::string& out) const;

 private:
  std::string stamp_;  // "<unix ms> ".
};

// An id line read back. `message_id` points into the line.
struct IdLine {
  absl::Time stored_at;
  absl::string_view message_id;
};

// Parses an id line (without its newline). Returns nullopt unless it is
// well-formed: one or more digits that fit an int64 (unix ms), one space, a
// non-empty message_id, and no NUL anywhere.
std::optional<IdLine> ParseIdLine(absl::string_view line);

// True when ParseIdLine accepts `line`.
inline bool IsIdLine(absl::string_view line) { return ParseIdLine(line).has_value(); }

// ---- Reading back ----

// Reads the complete lines of a buffer one by one. A last line without its
// newline (a torn tail) is never returned. Thread-compatible; `content` must
// outlive the reader.
class LineReader {
 public:
  explicit LineReader(absl::string_view content) : content_(content) {}

  // Sets `line` to the next complete line, without its newline, and returns
  // true; returns false at the end or at a torn tail.
  bool Next(absl::string_view& line);

  // The bytes consumed: just past the newline of the last line returned.
  size_t offset() const { return offset_; }

 private:
  absl::string_view content_;
  size_t offset_ = 0;
};

// Returns the end offset (just past its newline) of each line of the longest
// prefix of `content` made of complete lines that `is_good` accepts: what
// recovery keeps of a file. `is_good` is IsDataLine or IsIdLine.
std::vector<uint64_t> GoodLineEnds(absl::string_view content,
                                   bool (*is_good)(absl::string_view line));

}  // namespace trackd::log_format

#endif  // TRACKD_SERVER_LOG_FORMAT_H_
