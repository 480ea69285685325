// The conformance corpus (tests/contract/cases/) against a live trackd over gRPC: every case
// has its expected verdict as a dry run (nothing stored) and as a real call to a fresh
// server (the line in its log is the case's documented JSON).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/corpus.h"
#include "tests/test_server.h"
#include "tests/test_util.h"
#include "trackd/common/grpc_status.h"
#include "trackd/v1/track.grpc.pb.h"

namespace trackd {
namespace {

using testing::CorpusCase;
using testing::CorpusMode;

class CorpusServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::StartServer(dir_.path(), fs_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::TrackService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }

  // One message per case whose verdict in `mode` differs from the corpus.
  std::vector<std::string> Mismatches(CorpusMode mode) {
    auto cases = testing::LoadCorpus();
    if (!cases.ok()) return {cases.status().ToString()};
    std::vector<std::string> mismatches;
    size_t seen_lines = 0;
    for (const CorpusCase& c : *cases) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      grpc::Status status;
      nlohmann::json verdict;
      const auto new_lines = [&] {
        std::vector<std::string> lines = testing::StoredLines(dir_.path());
        lines.erase(lines.begin(), lines.begin() + static_cast<long>(seen_lines));
        seen_lines += lines.size();
        return lines;
      };
      if (c.is_batch) {
        v1::TrackBatchResponse response;
        status = stub_->TrackBatch(&context, testing::BatchRequestFor(c, mode), &response);
        verdict = testing::BatchVerdict(FromGrpcStatus(status), response, mode, new_lines());
      } else {
        v1::TrackResponse response;
        status = stub_->Track(&context, testing::TrackRequestFor(c, mode), &response);
        verdict = testing::TrackVerdict(FromGrpcStatus(status), response, mode, new_lines());
      }
      if (std::string m = testing::CorpusMismatch(c, verdict); !m.empty()) mismatches.push_back(m);
    }
    if (mode == CorpusMode::kDryRun && seen_lines > 0) {
      mismatches.push_back(absl::StrCat("dry runs stored ", seen_lines, " lines"));
    }
    return mismatches;
  }

  testing::TempDir dir_;
  testing::FaultInjectingFileSystem fs_;
  std::unique_ptr<TrackdServer> server_;
  std::unique_ptr<v1::TrackService::Stub> stub_;
};

TEST_F(CorpusServerTest, EveryCaseHasItsVerdictAsADryRunAndNothingIsStored) {
  for (const auto& m : Mismatches(CorpusMode::kDryRun)) ADD_FAILURE() << m;
}

TEST_F(CorpusServerTest, EveryCaseHasItsVerdictAsARealCallAndItsLineIsStored) {
  for (const auto& m : Mismatches(CorpusMode::kRealCall)) ADD_FAILURE() << m;
}

}  // namespace
}  // namespace trackd
