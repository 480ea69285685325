// trackd: the event-ingest server. Reads its flags (and TRACKD_* variables),
// starts the server on the embedded log, and shuts down cleanly on SIGTERM or
// SIGINT: health NOT_SERVING, no new calls, in-flight calls finished, the
// queue flushed, exit 0.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/stubs/logging.h"
#include "server/flag_environment.h"
#include "server/flag_help.h"
#include "server/flags.h"
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
                          " batch=", config.http.batch, " spool_max_bytes=", config.spool_max_bytes,
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
  trackd::Log(level >= google::protobuf::LOGLEVEL_ERROR ? trackd::LogLevel::kError
                                                        : trackd::LogLevel::kWarning,
              "protobuf library message",
              {{"message", message},
               {"source", absl::StrCat(filename, ":", line)},
               {"suppressed_since_last", absl::StrCat(suppressed)}});
  suppressed = 0;
}

void LogSummary(const trackd::TrackdServer& server) {
  const trackd::PipelineStats stats = server.stats();
  const auto forwarded = server.forwarder_stats();
  trackd::Log(
      trackd::LogLevel::kInfo, "summary",
      {{"events_stored", absl::StrCat(stats.events_stored)},
       {"commits", absl::StrCat(stats.commits)},
       {"duplicates", absl::StrCat(stats.duplicates)},
       {"upstream_healthy", forwarded ? (forwarded->upstream_healthy ? "true" : "false") : "-"},
       {"forwarded", forwarded ? absl::StrCat(forwarded->delivered) : "-"},
       {"dead_lettered", forwarded ? absl::StrCat(forwarded->dead_lettered) : "-"}});
}

// Parses the command line after the TRACKD_* variables, so that the command
// line wins. Returns the --kafka_property values, of which absl would keep only
// the last.
trackd::FlagHelpOptions HelpOptions() {
  return {.program = "trackd",
          .own_flag_files = {"server/flags.cc"},
          .usage =
              "receives account_added_user and other events over gRPC "
              "(trackd.v1.TrackService), validates them and stores their documented JSON "
              "durably.\n"
              "Every flag can also be set as TRACKD_<FLAG> in the environment; the command "
              "line wins.\n"
              "Example: trackd --listen=127.0.0.1:50051 --admin_listen=127.0.0.1:8151 "
              "--data_dir=./data",
          .version = "trackd (contract trackd.v1)"};
}

std::vector<std::string> ParseFlags(int argc, char** argv) {
  trackd::ConfigureFlagHelp(HelpOptions());
  std::vector<std::string> args = trackd::ArgsWithEnvironment(argc, argv, std::getenv);
  std::vector<std::string> kafka_properties = trackd::TakeRepeatedKafkaProperties(args);
  std::vector<char*> arg_ptrs;
  for (std::string& arg : args) arg_ptrs.push_back(arg.data());
  absl::ParseCommandLine(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());
  return kafka_properties;
}

// Blocks the stop signals in this thread and every thread started after it;
// WaitForStopSignal takes them. Returns the set.
sigset_t BlockStopSignals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return stop_signals;
}

void LogServing(const trackd::ServerConfig& config, const trackd::TrackdServer& server,
                const trackd::PosixFileSystem& fs) {
  const trackd::RecoveryReport recovery = server.recovery();
  trackd::Log(
      trackd::LogLevel::kInfo, "serving",
      {{"listen", config.listen},
       {"port", absl::StrCat(server.port())},
       {"sink", SinkDescription(config)},
       {"tls",
        config.tls.enabled() ? (config.tls.client_ca_file.empty() ? "tls" : "mtls") : "plaintext"},
       {"auth", config.auth_tokens_file.empty() ? "off" : "bearer tokens"},
       // The policy only: the key file's path and content stay out of logs.
       {"personal_data", std::string(trackd::PersonalDataPolicyName(config.personal_data.policy))},
       {"admin_port", absl::StrCat(server.admin_port())},
       {"max_message_bytes", absl::StrCat(config.limits.max_message_bytes)},
       {"rate_limit_per_client", absl::StrCat(config.limits.rate_limit_per_client)},
       {"data_dir", config.log.dir},
       {"data_modes",
        absl::StrFormat("files %04o, directories %04o", fs.modes().file, fs.modes().dir)},
       {"segments", absl::StrCat(recovery.segments)},
       {"repaired_segments", absl::StrCat(recovery.repaired_segments)},
       {"recovered_truncated_bytes",
        absl::StrCat(recovery.truncated_data_bytes + recovery.truncated_ids_bytes)},
       {"reloaded_message_ids", absl::StrCat(server.reloaded_ids())},
       {"dedupe_window", absl::FormatDuration(config.dedupe.window)},
       {"shutdown_grace", absl::FormatDuration(config.shutdown_grace)}});
}

// Writes `port` to `port_file` ("" for none) under a temporary name and
// renames it, so a reader never sees half a number.
void WritePortFile(const std::string& port_file, int port) {
  if (port_file.empty()) return;
  const std::string temporary = port_file + ".tmp";
  std::ofstream(temporary) << port << "\n";
  std::rename(temporary.c_str(), port_file.c_str());
}

// Waits for a stop signal and returns it; meanwhile logs a summary every
// `summary_interval` (never when it is zero, and never a line per request).
int WaitForStopSignal(const sigset_t& stop_signals, absl::Duration summary_interval,
                      const trackd::TrackdServer& server) {
  int signal_number = 0;
  if (summary_interval <= absl::ZeroDuration()) {
    sigwait(&stop_signals, &signal_number);
    return signal_number;
  }
  const timespec timeout = absl::ToTimespec(summary_interval);
  while ((signal_number = sigtimedwait(&stop_signals, nullptr, &timeout)) <= 0) {
    LogSummary(server);
  }
  return signal_number;
}

void LogStopped(const trackd::TrackdServer& server) {
  const trackd::PipelineStats stats = server.stats();
  const auto forwarded = server.forwarder_stats();
  trackd::Log(trackd::LogLevel::kInfo, "stopped",
              {{"events_stored", absl::StrCat(stats.events_stored)},
               {"commits", absl::StrCat(stats.commits)},
               {"duplicates", absl::StrCat(stats.duplicates)},
               {"forwarded", forwarded ? absl::StrCat(forwarded->delivered) : "-"},
               {"dead_lettered", forwarded ? absl::StrCat(forwarded->dead_lettered) : "-"}});
}

}  // namespace

int main(int argc, char** argv) {
  // Debian builds Abseil without NDEBUG, which leaves mutex deadlock detection
  // on: it costs CPU on every lock and aborts the process on a suspected cycle.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  google::protobuf::SetLogHandler(&LogProtobufMessage);
  if (trackd::HelpRequested(argc, argv)) {
    trackd::PrintFlagHelp(HelpOptions(), std::cout);
    return 0;
  }
  const std::vector<std::string> kafka_properties = ParseFlags(argc, argv);
  trackd::PosixFileSystem fs(trackd::DataModesFromFlags());
  auto config = trackd::ServerConfigFromFlags(fs, kafka_properties, std::getenv);
  if (!config.ok()) {
    trackd::Log(trackd::LogLevel::kError, "invalid configuration",
                {{"error", config.status().ToString()}});
    return 2;
  }
  const sigset_t stop_signals = BlockStopSignals();
  auto server = trackd::TrackdServer::Start(*config, fs, trackd::Clock::Real());
  if (!server.ok()) {
    trackd::Log(trackd::LogLevel::kError, "cannot start", {{"error", server.status().ToString()}});
    return 1;
  }
  LogServing(*config, **server, fs);
  WritePortFile(trackd::PortFileFromFlags(), (*server)->port());
  // Free memory goes back to the system while trackd runs (memory_release.h).
  trackd::MemoryReleaser memory_releaser;
  const int signal_number =
      WaitForStopSignal(stop_signals, trackd::LogSummaryIntervalFromFlags(), **server);
  trackd::Log(trackd::LogLevel::kInfo, "stopping", {{"signal", strsignal(signal_number)}});
  (*server)->Shutdown();
  LogStopped(**server);
  return 0;
}
