#include "tests/test_server.h"

#include <httplib.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "server/log_format.h"

namespace trackd::testing {

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
                                                          Clock& clock) {
  ServerConfig config = TestServerConfig(data_dir);
  if (customize) customize(config);
  return TrackdServer::Start(config, fs, clock);
}

std::string SegmentDataPath(const std::string& dir, uint64_t number) {
  return log_format::DataFilePath(dir, number);
}

std::string SegmentIdsPath(const std::string& dir, uint64_t number) {
  return log_format::IdsFilePath(dir, number);
}

std::vector<std::string> StoredLines(const std::string& dir) {
  PosixFileSystem fs;
  auto names = fs.ListDir(dir);
  if (!names.ok()) return {};
  // Zero-padded numbers: name order is segment order.
  std::sort(names->begin(), names->end());
  std::vector<std::string> lines;
  for (const std::string& name : *names) {
    const auto number = log_format::ParseSegmentFileName(name);
    if (!number.has_value() || name != log_format::DataFileName(*number)) continue;
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

std::map<std::string, double> ScrapeMetrics(int admin_port) {
  httplib::Client http("127.0.0.1", admin_port);
  auto result = http.Get("/metrics");
  std::map<std::string, double> values;
  if (!result || result->status != 200) return values;
  for (absl::string_view line : absl::StrSplit(result->body, '\n', absl::SkipEmpty())) {
    if (line.front() == '#') continue;
    const size_t space = line.rfind(' ');
    values[std::string(line.substr(0, space))] = std::stod(std::string(line.substr(space + 1)));
  }
  return values;
}

}  // namespace trackd::testing
