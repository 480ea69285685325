// KafkaSink against librdkafka's in-process mock cluster (rdkafka_mock.h): the
// fast checks of what is produced and of the error paths. The real Kafka
// cluster tests are in tests/kafka/.
#include "server/sinks/kafka_sink.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <librdkafka/rdkafkacpp.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "tests/kafka_test_util.h"
#include "tests/test_server.h"
#include "tests/test_util.h"
#include "trackd/client/track_client.h"

namespace trackd {
namespace {

using ::testing::HasSubstr;

constexpr char kTopic[] = "events";

// A mock cluster of `brokers` brokers, owned by a throwaway rd_kafka_t handle.
class MockCluster {
 public:
  explicit MockCluster(int brokers) {
    char error[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", error, sizeof(error));
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
    cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
    rd_kafka_mock_topic_create(cluster_, kTopic, 4, brokers);
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(handle_);
  }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  rd_kafka_mock_cluster_t* get() { return cluster_; }

 private:
  rd_kafka_t* handle_;
  rd_kafka_mock_cluster_t* cluster_;
};

std::vector<testing::ConsumedMessage> ConsumeAll(const std::string& bootstraps, size_t count) {
  return testing::ConsumeTopic(bootstraps, kTopic, count, absl::Seconds(30));
}

Record MakeRecord(const std::string& account, int n) {
  return {absl::StrCat("id-", account, "-", n),
          absl::StrCat("{\"user_id\":\"u", n, "\",\"context\":{\"group_id\":\"", account, "\"}}"),
          account};
}

TEST(KafkaSinkTest, ProducesValueKeyAndMessageIdHeaderInOrderPerAccount) {
  MockCluster cluster(1);
  auto sink = KafkaSink::Create({.brokers = cluster.bootstraps(), .topic = kTopic});
  ASSERT_TRUE(sink.ok()) << sink.status();
  std::vector<Record> records;
  for (int n = 0; n < 10; ++n) records.push_back(MakeRecord(n % 2 ? "acct-a" : "acct-b", n));
  ASSERT_TRUE((*sink)->Write(records).ok());

  const auto consumed = ConsumeAll(cluster.bootstraps(), 10);
  ASSERT_EQ(consumed.size(), 10u);
  std::map<std::string, std::vector<std::string>> ids_by_account;
  std::map<std::string, std::set<int32_t>> partitions_by_account;
  for (const auto& c : consumed) {
    ids_by_account[c.key].push_back(c.message_id);
    partitions_by_account[c.key].insert(c.partition);
    EXPECT_THAT(c.value, HasSubstr(absl::StrCat("\"group_id\":\"", c.key, "\"")));
  }
  // One account, one partition, so its events keep the order they were written in.
  EXPECT_EQ(partitions_by_account["acct-a"].size(), 1u);
  EXPECT_EQ(ids_by_account["acct-a"],
            (std::vector<std::string>{"id-acct-a-1", "id-acct-a-3", "id-acct-a-5", "id-acct-a-7",
                                      "id-acct-a-9"}));
  EXPECT_EQ(ids_by_account["acct-b"].size(), 5u);
}

TEST(KafkaSinkTest, UnreachableBrokersAnswerUnavailableAfterTheDeliveryTimeout) {
  MockCluster cluster(1);
  rd_kafka_mock_broker_set_down(cluster.get(), 1);
  auto sink = KafkaSink::Create(
      {.brokers = cluster.bootstraps(), .topic = kTopic, .delivery_timeout = absl::Seconds(1)});
  ASSERT_TRUE(sink.ok());
  const std::vector<Record> records = {MakeRecord("acct", 1)};
  const absl::Status status = (*sink)->Write(records);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(status.message(), HasSubstr("Kafka delivery failed"));
}

TEST(KafkaSinkTest, RetriableBrokerErrorsAreRetriedByTheIdempotentProducer) {
  MockCluster cluster(1);
  // The first two produce requests fail with errors the producer retries.
  constexpr int16_t kProduceApiKey = 0;  // Kafka protocol ApiKey of Produce.
  rd_kafka_mock_push_request_errors(cluster.get(), kProduceApiKey, 2,
                                    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
  auto sink = KafkaSink::Create({.brokers = cluster.bootstraps(), .topic = kTopic});
  const std::vector<Record> records = {MakeRecord("acct", 1)};
  ASSERT_TRUE((*sink)->Write(records).ok());
  const auto consumed = ConsumeAll(cluster.bootstraps(), 1);
  ASSERT_EQ(consumed.size(), 1u);  // Once, not once per attempt.
  EXPECT_EQ(consumed[0].message_id, "id-acct-1");
}

TEST(KafkaSinkTest, RefusesToWeakenAcksOrIdempotence) {
  auto weak =
      KafkaSink::Create({.brokers = "127.0.0.1:1", .topic = kTopic, .properties = {{"acks", "1"}}});
  EXPECT_EQ(weak.status().code(), absl::StatusCode::kInvalidArgument);
  auto unknown = KafkaSink::Create(
      {.brokers = "127.0.0.1:1", .topic = kTopic, .properties = {{"no.such.property", "1"}}});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("no.such.property"));
}

}  // namespace
}  // namespace trackd

namespace trackd {
namespace {

// The whole server with --sink=kafka: OK only after delivery; brokers down
// means UNAVAILABLE, never OK, and calls succeed again once a broker is back.
TEST(KafkaServerTest, TrackIsOkOnlyAfterDeliveryAndUnavailableWhileBrokersAreDown) {
  MockCluster cluster(1);
  testing::TempDir dir;
  PosixFileSystem fs;
  auto server = testing::StartServer(dir.path() + "/data", fs, [&](ServerConfig& c) {
    testing::UseKafka(c, cluster.bootstraps(), kTopic, absl::Seconds(2));
  });
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = TrackClient::Create(
      {.target = absl::StrCat("127.0.0.1:", (*server)->port()), .service_config_json = ""});
  v1::TrackRequest request = testing::SeedRequest();
  request.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  auto first = (*client)->Track(request);
  ASSERT_TRUE(first.ok()) << first.status();

  rd_kafka_mock_broker_set_down(cluster.get(), 1);
  request.set_message_id("while-down");
  auto down = (*client)->Track(request);
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable) << down.status();

  rd_kafka_mock_broker_set_up(cluster.get(), 1);
  request.set_message_id("after-recovery");
  // The producer reconnects within its backoff; until then calls may still fail.
  absl::StatusOr<v1::TrackResponse> after = absl::UnknownError("not sent");
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        after = (*client)->Track(request);
        EXPECT_TRUE(after.ok() || after.status().code() == absl::StatusCode::kUnavailable)
            << after.status();
        return after.ok();
      },
      absl::Seconds(60), "a Track call to succeed after the broker returned"))
      << after.status();

  const auto consumed = ConsumeAll(cluster.bootstraps(), 2);
  std::set<std::string> ids;
  for (const auto& c : consumed) ids.insert(c.message_id);
  EXPECT_TRUE(ids.count("seed-message-1"));
  EXPECT_TRUE(ids.count("after-recovery"));
  EXPECT_EQ(consumed.front().key, "47464e5b-4727-11ee-aeb6-fefbf8354ds3");
}

}  // namespace
}  // namespace trackd
