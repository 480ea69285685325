// trackd: the event-ingest server. Reads its flags (and TRACKD_* variables),
// starts the server on the embedded log, and shuts down cleanly on SIGTERM or
// SIGINT: health NOT_SERVING, no new calls, in-flight calls finished, the
// queue flushed, exit 0.
#include <signal.h>

#include <cstdlib>
#include <fstream>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/stubs/logging.h"
#include "server/config.h"
#include "server/logging.h"
#include "server/memory_release.h"
#include "server/server.h"

namespace {

// The sink and where it points, without secrets: the auth header is never
// shown, and of the Kafka properties only the keys.
std::string SinkDescription(const trackd::ServerConfig& config) {
  switch (config.sink) {
    case trackd::SinkKind::kFile:
      return "file";
    case trackd::SinkKind::kHttp:
      return absl::StrCat("http ", trackd::RedactUrl(config.http.http.url),
                          " batch=", config.http.batch,
                          " spool_max_bytes=", config.spool_max_bytes,
                          config.http.auth_header.empty() ? "" : " auth_header=(set)");
    case trackd::SinkKind::kKafka: {
      std::string keys;
      for (const auto& [key, value] : config.kafka.properties) absl::StrAppend(&keys, " ", key);
      return absl::StrCat("kafka ", config.kafka.brokers, " topic=", config.kafka.topic,
                          keys.empty() ? "" : " properties:", keys);
    }
  }
  return "";
}

// protobuf reports problems through its own logger, as raw lines on stderr.
// Route them into the JSON log instead, at most one line a minute with a count
// of those left out, so that no caller can make the log grow per request.
void LogProtobufMessage(google::protobuf::LogLevel level, const char* filename, int line,
                        const std::string& message) {
  static absl::Mutex mu(absl::kConstInit);
  static absl::Time last_logged = absl::InfinitePast();
  static int suppressed = 0;
  absl::MutexLock lock(&mu);
  const absl::Time now = absl::Now();
  if (now - last_logged < absl::Minutes(1)) {
    ++suppressed;
    return;
  }
  last_logged = now;
  trackd::Log(level >= google::protobuf::LOGLEVEL_ERROR ? "error" : "warning",
              "protobuf library message",
              {{"message", message},
               {"source", absl::StrCat(filename, ":", line)},
               {"suppressed_since_last", absl::StrCat(suppressed)}});
  suppressed = 0;
}

void LogSummary(const trackd::TrackdServer& server) {
  const trackd::PipelineStats stats = server.stats();
  const auto forwarded = server.forwarder_stats();
  trackd::Log("info", "summary",
              {{"events_stored", absl::StrCat(stats.events_stored)},
               {"commits", absl::StrCat(stats.commits)},
               {"duplicates", absl::StrCat(stats.duplicates)},
               {"upstream_healthy",
                forwarded ? (forwarded->upstream_healthy ? "true" : "false") : "-"},
               {"forwarded", forwarded ? absl::StrCat(forwarded->delivered) : "-"},
               {"dead_lettered", forwarded ? absl::StrCat(forwarded->dead_lettered) : "-"}});
}

}  // namespace

int main(int argc, char** argv) {
  // Debian builds Abseil without NDEBUG, which leaves mutex deadlock detection
  // on: it costs CPU on every lock and aborts the process on a suspected cycle.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  google::protobuf::SetLogHandler(&LogProtobufMessage);
  absl::SetProgramUsageMessage(
      "trackd: receives account_added_user and other events over gRPC "
      "(trackd.v1.TrackService), validates them and stores their documented JSON durably.\n"
      "Every flag can also be set as TRACKD_<FLAG> in the environment; the command line wins.\n"
      "Example: trackd --listen=127.0.0.1:50051 --data_dir=./data");
  std::vector<std::string> args = trackd::ArgsWithEnvironment(argc, argv, std::getenv);
  const std::vector<std::string> kafka_properties = trackd::TakeRepeatedKafkaProperties(args);
  std::vector<char*> arg_ptrs;
  for (std::string& arg : args) arg_ptrs.push_back(arg.data());
  absl::ParseCommandLine(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());

  auto config = trackd::ServerConfigFromFlags(kafka_properties, std::getenv);
  if (!config.ok()) {
    trackd::Log("error", "invalid configuration", {{"error", config.status().ToString()}});
    return 2;
  }

  // Block the stop signals in every thread; this one waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  trackd::PosixFileSystem fs(trackd::DataModesFromFlags());
  auto server = trackd::TrackdServer::Start(*config, fs, trackd::Clock::Real());
  if (!server.ok()) {
    trackd::Log("error", "cannot start", {{"error", server.status().ToString()}});
    return 1;
  }
  const trackd::RecoveryReport recovery = (*server)->recovery();
  trackd::Log("info", "serving",
              {{"listen", config->listen},
               {"port", absl::StrCat((*server)->port())},
               {"sink", SinkDescription(*config)},
               {"tls", config->tls.enabled()
                           ? (config->tls.client_ca_file.empty() ? "tls" : "mtls")
                           : "plaintext"},
               {"auth", config->auth_tokens_file.empty() ? "off" : "bearer tokens"},
               {"admin_port", absl::StrCat((*server)->admin_port())},
               {"max_message_bytes", absl::StrCat(config->limits.max_message_bytes)},
               {"rate_limit_per_client", absl::StrCat(config->limits.rate_limit_per_client)},
               {"data_dir", config->log.dir},
               {"data_modes", absl::StrFormat("files %04o, directories %04o", fs.modes().file,
                                              fs.modes().dir)},
               {"segments", absl::StrCat(recovery.segments)},
               {"repaired_segments", absl::StrCat(recovery.repaired_segments)},
               {"recovered_truncated_bytes",
                absl::StrCat(recovery.truncated_data_bytes + recovery.truncated_ids_bytes)},
               {"reloaded_message_ids", absl::StrCat((*server)->reloaded_ids())},
               {"dedupe_window", absl::FormatDuration(config->dedupe.window)},
               {"shutdown_grace", absl::FormatDuration(config->shutdown_grace)}});

  const std::string port_file = trackd::PortFileFromFlags();
  if (!port_file.empty()) {
    // Written to a temporary name and renamed, so a reader never sees half a number.
    const std::string temporary = port_file + ".tmp";
    std::ofstream(temporary) << (*server)->port() << "\n";
    std::rename(temporary.c_str(), port_file.c_str());
  }

  // Free memory goes back to the system while trackd runs (memory_release.h).
  trackd::MemoryReleaser memory_releaser;

  // Wait for a stop signal; meanwhile log a summary now and then (never a line
  // per request).
  const absl::Duration summary_interval = trackd::LogSummaryIntervalFromFlags();
  int signal_number = 0;
  while (true) {
    if (summary_interval <= absl::ZeroDuration()) {
      sigwait(&stop_signals, &signal_number);
      break;
    }
    const timespec timeout = absl::ToTimespec(summary_interval);
    signal_number = sigtimedwait(&stop_signals, nullptr, &timeout);
    if (signal_number > 0) break;
    LogSummary(**server);
  }
  trackd::Log("info", "stopping", {{"signal", strsignal(signal_number)}});
  (*server)->Shutdown();
  const trackd::PipelineStats stats = (*server)->stats();
  const auto forwarded = (*server)->forwarder_stats();
  trackd::Log("info", "stopped",
              {{"events_stored", absl::StrCat(stats.events_stored)},
               {"commits", absl::StrCat(stats.commits)},
               {"duplicates", absl::StrCat(stats.duplicates)},
               {"forwarded", forwarded ? absl::StrCat(forwarded->delivered) : "-"},
               {"dead_lettered", forwarded ? absl::StrCat(forwarded->dead_lettered) : "-"}});
  return 0;
}
