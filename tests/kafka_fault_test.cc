// The Kafka fault test (slow; run by scripts/test_faults.sh, not the default
// suite): a 3-broker cluster, topic replication factor 3 and
// min.insync.replicas=2, trackd under load. Stopping one broker loses nothing
// acknowledged; stopping a second makes Track answer UNAVAILABLE, never OK,
// until a broker returns; then it resumes. Every acknowledged event is in Kafka.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "tests/kafka_test_util.h"
#include "tests/test_server.h"
#include "tests/test_util.h"
#include "trackd/client/track_client.h"

namespace trackd {
namespace {

// Sends events from a few threads and records every answer.
class Load {
 public:
  explicit Load(int port) {
    client_ = *TrackClient::Create({.target = absl::StrCat("127.0.0.1:", port),
                                    .deadline = absl::Seconds(60),
                                    .service_config_json = ""});  // Count each answer.
  }

  void Start() {
    for (int t = 0; t < 4; ++t) threads_.emplace_back([this] { Run(); });
  }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
    stop_ = false;
  }
  std::set<std::string> acknowledged() {
    std::lock_guard<std::mutex> lock(mu_);
    return acknowledged_;
  }
  // Answers received since the last call: OK and non-OK counts by code.
  std::map<absl::StatusCode, int> TakeAnswers() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(answers_, {});
  }

 private:
  void Run() {
    while (!stop_) {
      const int n = next_++;
      if (n > 100000) return;  // A bound on the loop.
      v1::TrackRequest request = testing::SeedRequest();
      request.set_message_id(absl::StrCat("f-", n));
      request.set_group_id(absl::StrCat("acct-", n % 7));
      request.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(absl::Now()));
      auto response = client_->Track(request);
      std::lock_guard<std::mutex> lock(mu_);
      ++answers_[response.status().code()];
      if (response.ok()) acknowledged_.insert(request.message_id());
    }
  }

  std::unique_ptr<TrackClient> client_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> next_{0};
  std::mutex mu_;
  std::set<std::string> acknowledged_;
  std::map<absl::StatusCode, int> answers_;
};

// Lets the load run for `d`: an observation window whose answers are counted
// afterwards, not a wait for some state (that is WaitUntil's job).
void RunFor(absl::Duration d) { absl::SleepFor(d); }

TEST(KafkaFaultTest, NoAcknowledgedEventIsLostAndNoOkWithoutEnoughReplicas) {
  testing::TempDir dir;
  testing::KafkaCluster kafka(dir.path(), 3);
  ASSERT_TRUE(kafka.ok()) << "see " << dir.path() << "/kafka_cluster.out";
  ASSERT_TRUE(kafka.CreateTopic("events", 3, 3));

  PosixFileSystem fs;
  auto server = testing::StartServer(dir.path() + "/data", fs, [&](ServerConfig& c) {
    testing::UseKafka(c, kafka.bootstrap(), "events", absl::Seconds(10));
  });
  ASSERT_TRUE(server.ok()) << server.status();
  Load load((*server)->port());
  load.Start();
  RunFor(absl::Seconds(5));
  EXPECT_GT(load.TakeAnswers()[absl::StatusCode::kOk], 0);

  // One broker down: 2 in-sync replicas remain, enough for acks=all.
  ASSERT_TRUE(kafka.StopBroker(3));
  RunFor(absl::Seconds(15));
  auto with_one_down = load.TakeAnswers();
  EXPECT_GT(with_one_down[absl::StatusCode::kOk], 0);

  // A second broker down: min.insync.replicas=2 cannot be met. Once the calls
  // already in flight have drained, nothing may be OK.
  ASSERT_TRUE(kafka.StopBroker(2));
  RunFor(absl::Seconds(15));  // In-flight calls end (delivery timeout 10 s).
  load.TakeAnswers();
  RunFor(absl::Seconds(15));
  auto with_two_down = load.TakeAnswers();
  EXPECT_EQ(with_two_down[absl::StatusCode::kOk], 0) << "OK without enough in-sync replicas";
  EXPECT_GT(with_two_down[absl::StatusCode::kUnavailable], 0);

  // A broker returns: calls succeed again.
  ASSERT_TRUE(kafka.StartBroker(2));
  int ok_after = 0;
  const bool resumed = testing::WaitUntil(
      [&] {
        ok_after += load.TakeAnswers()[absl::StatusCode::kOk];
        return ok_after > 0;
      },
      absl::Seconds(90), "an OK after a broker returned");
  load.Stop();
  EXPECT_TRUE(resumed) << "calls did not resume after a broker returned";

  // Every acknowledged event is in Kafka.
  ASSERT_TRUE(kafka.StartBroker(3));
  const std::set<std::string> acknowledged = load.acknowledged();
  const auto consumed =
      testing::ConsumeTopic(kafka.bootstrap(), "events", acknowledged.size(), absl::Seconds(120));
  std::set<std::string> in_kafka;
  for (const auto& m : consumed) in_kafka.insert(m.message_id);
  size_t missing = 0;
  for (const auto& id : acknowledged) missing += in_kafka.count(id) ? 0 : 1;
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged events";
}

}  // namespace
}  // namespace trackd
