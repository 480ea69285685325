// trackd_load: a load generator for trackd.v1.TrackService/Track on the gRPC
// C++ callback client API. Every call sends the seed account_added_user event
// with timestamp = now and a unique message_id, over `--channels` connections.
// After `--warmup_requests` unmeasured calls (closed loop) it sends
// `--requests` measured ones and prints one JSON line (see bench/load_stats.h):
// - closed loop (default): `--concurrency` callers each keep one call in
//   flight (bench/load_phase.h);
// - open loop (`--rate=N`): N calls per second on a fixed schedule whatever
//   the answers, latency measured from each call's due time, at most
//   `--max_outstanding` in flight (bench/open_loop.h).
//
// Exit status: 0 when every call succeeded; 1 when any call failed (or the
// server could not be reached); 2 for bad flags; 3 when the --max_seconds
// bound stopped the run before all calls were done.
#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/load_phase.h"
#include "bench/load_stats.h"
#include "bench/open_loop.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "trackd/v1/track.grpc.pb.h"

ABSL_FLAG(std::string, target, "", "The server, as 127.0.0.1:PORT (loopback only).");
ABSL_FLAG(int, concurrency, 64, "Callers; each keeps one call in flight.");
ABSL_FLAG(uint64_t, requests, 50000, "Measured calls in total.");
ABSL_FLAG(uint64_t, warmup_requests, 2000, "Unmeasured calls sent first.");
ABSL_FLAG(int, max_seconds, 60, "Hard bound on the whole run, warm-up included.");
ABSL_FLAG(int, channels, 4, "gRPC channels (each its own connection) the callers share.");
ABSL_FLAG(double, rate, 0,
          "If > 0, an open loop: calls per second on a fixed schedule (--concurrency then "
          "applies to the warm-up only).");
ABSL_FLAG(uint64_t, max_outstanding, 10000, "Open loop: the most calls in flight.");

namespace trackd::bench {
namespace {

// Left after the time bound for calls to come back with DEADLINE_EXCEEDED.
constexpr absl::Duration kGrace = absl::Seconds(5);

// Returns an error message for a target other than 127.0.0.1:PORT, else "".
std::string CheckTarget(const std::string& target) {
  constexpr char kPrefix[] = "127.0.0.1:";
  int port = 0;
  if (!absl::StartsWith(target, kPrefix) ||
      !absl::SimpleAtoi(target.substr(sizeof(kPrefix) - 1), &port) || port < 1 || port > 65535) {
    return absl::StrCat("--target must be 127.0.0.1:PORT, got \"", target, "\"");
  }
  return "";
}

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

using Stubs = std::vector<std::unique_ptr<v1::TrackService::Stub>>;

// Channels with distinct arguments and local subchannel pools, so each gets
// its own TCP connection instead of sharing one subchannel.
Stubs ConnectAll(const std::string& target, int channels, std::string* error) {
  Stubs stubs;
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("trackd.bench.channel_index", i);
    auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
    if (!channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(10)))) {
      *error = absl::StrCat("cannot connect to ", target, " within 10s");
      return {};
    }
    stubs.push_back(v1::TrackService::NewStub(channel));
  }
  return stubs;
}

// Returns what is wrong with the flags, or "" when they are usable.
std::string CheckFlags() {
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const uint64_t requests = absl::GetFlag(FLAGS_requests);
  const double rate = absl::GetFlag(FLAGS_rate);
  const uint64_t max_outstanding = absl::GetFlag(FLAGS_max_outstanding);
  const int max_seconds = absl::GetFlag(FLAGS_max_seconds);
  const int channels = absl::GetFlag(FLAGS_channels);
  if (std::string error = CheckTarget(absl::GetFlag(FLAGS_target)); !error.empty()) return error;
  if (concurrency < 1 || concurrency > 10000) return "--concurrency must be 1 to 10000";
  if (requests < 1 || requests > 100'000'000) return "--requests must be 1 to 100000000";
  if (absl::GetFlag(FLAGS_warmup_requests) > 100'000'000) {
    return "--warmup_requests must be at most 100000000";
  }
  if (max_seconds < 1 || max_seconds > 3600) return "--max_seconds must be 1 to 3600";
  if (channels < 1 || channels > 64) return "--channels must be 1 to 64";
  if (!(rate >= 0 && rate <= 1'000'000)) return "--rate must be 0 to 1000000";
  if (rate > 0 && requests > 10'000'000) return "--requests must be at most 10000000 with --rate";
  if (max_outstanding < 1 || max_outstanding > 100'000) {
    return "--max_outstanding must be 1 to 100000";
  }
  return "";
}

// Ends the process when a phase's calls are still outstanding past the time
// bound: their callbacks still refer to the phase.
[[noreturn]] void ExitOutstanding(absl::string_view what) {
  absl::PrintF("{\"error\":\"%s outstanding past the time bound\",\"complete\":false}\n", what);
  std::fflush(stdout);
  std::_Exit(3);
}

// Runs the warm-up calls; returns 0, or the exit code when they failed.
int WarmUp(const Stubs& stubs, const std::string& run_id, absl::Time deadline, LoadReport* report) {
  const uint64_t warmup_requests = absl::GetFlag(FLAGS_warmup_requests);
  if (warmup_requests == 0) return 0;
  LoadPhase warmup(stubs, report->concurrency, warmup_requests,
                   absl::StrCat("load-", run_id, "-w-"), deadline);
  if (!warmup.Run(kGrace)) ExitOutstanding("warm-up calls");
  LoadReport warmup_report;
  warmup.AddTo(&warmup_report);
  report->warmup_calls = warmup_report.calls;
  if (warmup_report.ok != warmup_report.calls || !warmup_report.complete) {
    absl::FPrintF(stderr, "trackd_load: the warm-up failed: %s\n", ReportJson(&warmup_report));
    return warmup_report.ok != warmup_report.calls ? 1 : 3;
  }
  return 0;
}

// Runs the measured calls, closed or open loop, and prints the report.
int Measure(const Stubs& stubs, const std::string& run_id, absl::Time deadline,
            LoadReport* report) {
  const uint64_t requests = absl::GetFlag(FLAGS_requests);
  const double rate = absl::GetFlag(FLAGS_rate);
  const std::string measured_prefix = absl::StrCat("load-", run_id, "-m-");
  const double cpu_before = ProcessCpuSeconds();
  if (rate > 0) {
    OpenLoopPhase open_loop(stubs, rate, requests, absl::GetFlag(FLAGS_max_outstanding),
                            measured_prefix, deadline);
    if (!open_loop.Run(kGrace)) ExitOutstanding("calls");
    report->client_cpu_seconds = ProcessCpuSeconds() - cpu_before;
    open_loop.AddTo(report);
  } else {
    LoadPhase measured(stubs, report->concurrency, requests, measured_prefix, deadline);
    if (!measured.Run(kGrace)) ExitOutstanding("calls");
    report->client_cpu_seconds = ProcessCpuSeconds() - cpu_before;
    measured.AddTo(report);
  }
  absl::PrintF("%s\n", ReportJson(report));
  if (report->ok != report->calls) return 1;
  return report->complete ? 0 : 3;
}

int Main() {
  std::string error = CheckFlags();
  if (!error.empty()) {
    absl::FPrintF(stderr, "trackd_load: %s\n", error);
    return 2;
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  const auto stubs = ConnectAll(absl::GetFlag(FLAGS_target), absl::GetFlag(FLAGS_channels), &error);
  if (stubs.empty()) {
    absl::FPrintF(stderr, "trackd_load: %s\n", error);
    return 1;
  }
  // A random run id in every message_id keeps runs against one data_dir apart.
  absl::BitGen bitgen;
  const std::string run_id = absl::StrFormat("%016x", absl::Uniform<uint64_t>(bitgen));
  LoadReport report;
  report.concurrency = absl::GetFlag(FLAGS_concurrency);
  report.channels = absl::GetFlag(FLAGS_channels);
  if (int code = WarmUp(stubs, run_id, deadline, &report); code != 0) return code;
  return Measure(stubs, run_id, deadline, &report);
}

}  // namespace
}  // namespace trackd::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "trackd_load: load on trackd.v1.TrackService/Track (closed loop, or open with --rate);\n"
      "prints one JSON line.\n"
      "Example: trackd_load --target=127.0.0.1:50051 --concurrency=64 --requests=50000\n"
      "         trackd_load --target=127.0.0.1:50051 --rate=10000 --requests=100000");
  absl::ParseCommandLine(argc, argv);
  // As trackd's main does: Debian builds Abseil without NDEBUG, which leaves
  // absl::Mutex's deadlock detection (a global lock graph) on; the open loop
  // takes a mutex per call.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return trackd::bench::Main();
}
