#include "server/config.h"

#include <cstdint>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address for gRPC, HOST:PORT. Port 0 picks a free port (see --port_file). "
          "Use 0.0.0.0:50051 in a container.");
ABSL_FLAG(std::string, data_dir, "./data", "Directory of the embedded event log.");
ABSL_FLAG(uint64_t, segment_bytes, 64 << 20,
          "A log segment is closed and a new one started at this size.");
ABSL_FLAG(uint64_t, max_queued_events, 20000,
          "Events that may wait for the writer; beyond it calls get RESOURCE_EXHAUSTED.");
ABSL_FLAG(uint64_t, max_queued_bytes, 64 << 20,
          "JSON bytes that may wait for the writer; beyond it calls get RESOURCE_EXHAUSTED.");
ABSL_FLAG(absl::Duration, dedupe_window, absl::Hours(24),
          "How long a message_id is remembered for deduplication.");
ABSL_FLAG(uint64_t, dedupe_max_ids, 2000000,
          "The most message_ids remembered (about 100 bytes + id length each).");
ABSL_FLAG(absl::Time, earliest_timestamp, absl::FromUnixSeconds(946684800),
          "Events with a timestamp before this RFC 3339 instant are rejected.");
ABSL_FLAG(absl::Duration, max_future, absl::Hours(24),
          "Events with a timestamp further than this after the server's clock are rejected.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(20),
          "On SIGTERM/SIGINT, how long in-flight calls may take before they are cancelled.");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound port is written to this file once the server is serving.");

namespace trackd {
namespace {

constexpr const char* kFlagNames[] = {
    "listen",         "data_dir",       "segment_bytes",      "max_queued_events",
    "max_queued_bytes", "dedupe_window", "dedupe_max_ids",    "earliest_timestamp",
    "max_future",     "shutdown_grace", "port_file",
};

}  // namespace

std::vector<std::string> ArgsWithEnvironment(
    int argc, char** argv, const std::function<const char*(const char*)>& getenv) {
  std::vector<std::string> args;
  args.emplace_back(argc > 0 ? argv[0] : "trackd");
  for (const char* name : kFlagNames) {
    const std::string variable = absl::AsciiStrToUpper(absl::StrCat("TRACKD_", name));
    if (const char* value = getenv(variable.c_str()); value != nullptr) {
      args.push_back(absl::StrCat("--", name, "=", value));
    }
  }
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return args;
}

absl::StatusOr<ServerConfig> ServerConfigFromFlags() {
  ServerConfig config;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.log.dir = absl::GetFlag(FLAGS_data_dir);
  config.log.segment_bytes = absl::GetFlag(FLAGS_segment_bytes);
  config.pipeline.max_queued_events = absl::GetFlag(FLAGS_max_queued_events);
  config.pipeline.max_queued_bytes = absl::GetFlag(FLAGS_max_queued_bytes);
  config.dedupe.window = absl::GetFlag(FLAGS_dedupe_window);
  config.dedupe.max_ids = absl::GetFlag(FLAGS_dedupe_max_ids);
  config.timestamps.earliest = absl::GetFlag(FLAGS_earliest_timestamp);
  config.timestamps.max_future = absl::GetFlag(FLAGS_max_future);
  config.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);

  if (config.listen.empty()) return absl::InvalidArgumentError("--listen must not be empty");
  if (config.log.dir.empty()) return absl::InvalidArgumentError("--data_dir must not be empty");
  if (config.log.segment_bytes < 4096) {
    return absl::InvalidArgumentError("--segment_bytes must be at least 4096");
  }
  if (config.pipeline.max_queued_events < 500) {
    return absl::InvalidArgumentError(
        "--max_queued_events must be at least 500, the size of a full batch");
  }
  if (config.pipeline.max_queued_bytes < (16 << 20)) {
    return absl::InvalidArgumentError(
        "--max_queued_bytes must be at least 16777216, room for a full batch of maximal events");
  }
  if (config.dedupe.window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--dedupe_window must be positive");
  }
  if (config.dedupe.max_ids == 0) {
    return absl::InvalidArgumentError("--dedupe_max_ids must be positive");
  }
  if (config.timestamps.max_future < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--max_future must not be negative");
  }
  if (config.shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--shutdown_grace must not be negative");
  }
  return config;
}

std::string PortFileFromFlags() { return absl::GetFlag(FLAGS_port_file); }

}  // namespace trackd
