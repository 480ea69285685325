// trackd with --sink=kafka against a real Apache Kafka (KRaft) on loopback,
// read back with a real librdkafka consumer. The 3-broker fault test is in
// kafka_fault_test.cc (its own command: scripts/test_faults.sh).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "tests/kafka_test_util.h"
#include "tests/test_server.h"
#include "tests/test_util.h"
#include "trackd/client/track_client.h"
#include "trackd/common/json_encoder.h"

namespace trackd {
namespace {

TEST(KafkaIntegrationTest, EventsArriveWithValueKeyHeaderAndPerAccountOrder) {
  testing::TempDir dir;
  testing::KafkaCluster kafka(dir.path(), 1);
  ASSERT_TRUE(kafka.ok()) << "see " << dir.path() << "/kafka_cluster.out";
  ASSERT_TRUE(kafka.CreateTopic("events", 3, 1));

  PosixFileSystem fs;
  auto server = testing::StartServer(dir.path() + "/data", fs, [&](ServerConfig& c) {
    testing::UseKafka(c, kafka.bootstrap(), "events", absl::Seconds(30));
  });
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = TrackClient::Create({.target = absl::StrCat("127.0.0.1:", (*server)->port())});

  std::map<std::string, std::string> expected_json;  // By message_id.
  for (int n = 0; n < 30; ++n) {
    v1::TrackRequest request = testing::SeedRequest();
    request.set_message_id(absl::StrCat("k-", n));
    request.set_user_id(absl::StrCat("user-", n));
    request.set_group_id(absl::StrCat("acct-", n % 3));
    request.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    auto response = (*client)->Track(request);
    ASSERT_TRUE(response.ok()) << response.status();
    expected_json[request.message_id()] = EncodeDocumentedJson(request);
  }

  const auto consumed = testing::ConsumeTopic(kafka.bootstrap(), "events", 30, absl::Seconds(60));
  ASSERT_EQ(consumed.size(), 30u);
  std::map<std::string, std::vector<int>> order_by_account;
  std::map<std::string, std::set<int32_t>> partitions_by_account;
  for (const auto& m : consumed) {
    ASSERT_TRUE(expected_json.count(m.message_id)) << m.message_id;
    EXPECT_EQ(m.value, expected_json[m.message_id]);
    const int n = std::stoi(m.message_id.substr(2));
    EXPECT_EQ(m.key, absl::StrCat("acct-", n % 3));
    order_by_account[m.key].push_back(n);
    partitions_by_account[m.key].insert(m.partition);
  }
  for (const auto& [account, order] : order_by_account) {
    EXPECT_EQ(partitions_by_account[account].size(), 1u) << account;
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << account;
  }
}

}  // namespace
}  // namespace trackd
