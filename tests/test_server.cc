#include "tests/test_server.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace trackd::testing {
namespace {

constexpr absl::string_view kSegmentPrefix = "segment-";
constexpr absl::string_view kDataSuffix = ".ndjson";

std::string SegmentPath(const std::string& dir, uint64_t number, absl::string_view suffix) {
  return absl::StrFormat("%s/%s%020d%s", dir, kSegmentPrefix, number, suffix);
}

}  // namespace

ServerConfig TestServerConfig(const std::string& data_dir) {
  ServerConfig config;
  config.listen = "127.0.0.1:0";
  config.log.dir = data_dir;
  config.shutdown_grace = absl::Seconds(5);
  return config;
}

absl::StatusOr<std::unique_ptr<TrackdServer>> StartServer(const std::string& data_dir,
                                                          FileSystem& fs,
                                                          const CustomizeConfig& customize,
                                                          std::function<absl::Time()> clock) {
  ServerConfig config = TestServerConfig(data_dir);
  if (customize) customize(config);
  return TrackdServer::Start(config, fs, std::move(clock));
}

std::string SegmentDataPath(const std::string& dir, uint64_t number) {
  return SegmentPath(dir, number, kDataSuffix);
}

std::string SegmentIdsPath(const std::string& dir, uint64_t number) {
  return SegmentPath(dir, number, ".ids");
}

std::vector<std::string> StoredLines(const std::string& dir) {
  PosixFileSystem fs;
  auto names = fs.ListDir(dir);
  if (!names.ok()) return {};
  // Zero-padded numbers: name order is segment order.
  std::sort(names->begin(), names->end());
  std::vector<std::string> lines;
  for (const std::string& name : *names) {
    if (!absl::StartsWith(name, kSegmentPrefix) || !absl::EndsWith(name, kDataSuffix)) continue;
    auto content = fs.ReadFile(dir + "/" + name);
    if (!content.ok()) {
      ADD_FAILURE() << "cannot read " << name << ": " << content.status();
      continue;
    }
    for (absl::string_view line : absl::StrSplit(*content, '\n', absl::SkipEmpty())) {
      lines.emplace_back(line);
    }
  }
  return lines;
}

}  // namespace trackd::testing
