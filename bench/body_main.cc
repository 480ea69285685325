// trackd_bench_body: writes an h2load request body (bench/grpc_body.h), the
// seed event as a Track or a TrackBatch of --items, timestamp = now. Write it
// right before each run: trackd checks timestamps against its clock.
//
// Exit status: 0 on success; 1 when the file cannot be written; 2 for bad flags.
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/grpc_body.h"

ABSL_FLAG(std::string, kind, "track", "track (a TrackRequest) or batch (a TrackBatchRequest).");
ABSL_FLAG(int, items, 500, "--kind=batch: events in the batch, 1 to 500.");
ABSL_FLAG(std::string, out, "", "The file to write (replaced).");

namespace trackd::bench {
namespace {

int Main() {
  const std::string kind = absl::GetFlag(FLAGS_kind);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    absl::FPrintF(stderr, "trackd_bench_body: --out is required\n");
    return 2;
  }
  std::string body;
  if (kind == "track") {
    body = SeedTrackBody(absl::Now());
  } else if (kind == "batch") {
    absl::StatusOr<std::string> batch = SeedTrackBatchBody(absl::GetFlag(FLAGS_items), absl::Now());
    if (!batch.ok()) {
      absl::FPrintF(stderr, "trackd_bench_body: --%s\n", batch.status().message());
      return 2;
    }
    body = *std::move(batch);
  } else {
    absl::FPrintF(stderr, "trackd_bench_body: --kind must be track or batch, got \"%s\"\n", kind);
    return 2;
  }
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  file.write(body.data(), static_cast<std::streamsize>(body.size()));
  if (!file.flush()) {
    absl::FPrintF(stderr, "trackd_bench_body: cannot write %s\n", out);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace trackd::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "trackd_bench_body: writes a gRPC-framed request body for h2load.\n"
      "Example: trackd_bench_body --kind=batch --items=500 --out=/tmp/batch.bin");
  absl::ParseCommandLine(argc, argv);
  return trackd::bench::Main();
}
