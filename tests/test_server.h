// A real trackd for integration tests: one place that builds the test
// server's configuration and starts it, the events a test server stored, and
// the names of the embedded log's segment files. Every in-process test server
// goes through StartServer, so a change to ServerConfig or to
// TrackdServer::Start is one edit here.
#ifndef TRACKD_TESTS_TEST_SERVER_H_
#define TRACKD_TESTS_TEST_SERVER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/file_system.h"
#include "server/server.h"

namespace trackd::testing {

// Changes a test server's configuration before it starts.
using CustomizeConfig = std::function<void(ServerConfig&)>;

// The configuration every test server starts from: gRPC on 127.0.0.1 with a
// free port (see TrackdServer::port()), the embedded log in `data_dir`, and a
// 5 s shutdown grace so that a stuck drain fails a test quickly.
ServerConfig TestServerConfig(const std::string& data_dir);

// Starts a real TrackdServer over `fs` (which must outlive it) with
// TestServerConfig(data_dir) as `customize` changed it (nullptr: unchanged),
// reading time from `clock`. Returns what TrackdServer::Start returns.
absl::StatusOr<std::unique_ptr<TrackdServer>> StartServer(
    const std::string& data_dir, FileSystem& fs, const CustomizeConfig& customize = nullptr,
    Clock& clock = Clock::Real());

// The path of segment `number`'s data file in `dir`, named by
// server/log_format.h: "segment-<number, 20 digits>.ndjson".
std::string SegmentDataPath(const std::string& dir, uint64_t number = 1);
// The path of segment `number`'s ids file in `dir`: "segment-<20 digits>.ids".
std::string SegmentIdsPath(const std::string& dir, uint64_t number = 1);

// The events stored in the embedded log in `dir`: the lines of every segment
// data file, oldest segment first. Empty when there is no log. Reads the real
// file system, so it sees what a restart would see.
std::vector<std::string> StoredLines(const std::string& dir);

// The Prometheus text of the admin port's /metrics as "name{labels}" -> value; empty when
// the scrape failed.
std::map<std::string, double> ScrapeMetrics(int admin_port);

}  // namespace trackd::testing

#endif  // TRACKD_TESTS_TEST_SERVER_H_
