// Helpers for tests against Kafka: a real KRaft cluster run by
// tests/kafka/kafka_cluster.sh, and a librdkafka consumer that reads a topic back.
#ifndef TRACKD_TESTS_KAFKA_TEST_UTIL_H_
#define TRACKD_TESTS_KAFKA_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "server/server.h"

namespace trackd::testing {

// One message read back.
struct ConsumedMessage {
  std::string key, value, message_id;
  int32_t partition = -1;
  int64_t offset = -1;
};

// Reads messages of `topic` from the beginning until at least `count` arrived
// and then none for `quiet` (a topic may hold more than the caller counted:
// duplicates, or events written although their call failed), or until `limit`.
std::vector<ConsumedMessage> ConsumeTopic(const std::string& bootstrap, const std::string& topic,
                                          size_t count, absl::Duration limit,
                                          absl::Duration quiet = absl::Seconds(3));

// Makes `config` (a test server's, see test_server.h) send to Kafka at
// `bootstrap`, as --sink=kafka does.
void UseKafka(ServerConfig& config, const std::string& bootstrap, const std::string& topic,
              absl::Duration delivery_timeout);

// A real Kafka cluster on 127.0.0.1 in a directory of its own; stopped on
// destruction (and by the script's watchdog if the test process dies).
class KafkaCluster {
 public:
  // Fetches the jars if needed and starts `brokers` brokers (1 or 3).
  KafkaCluster(const std::string& dir, int brokers);
  ~KafkaCluster();

  bool ok() const { return ok_; }
  std::string bootstrap() const;
  bool CreateTopic(const std::string& name, int partitions, int replication_factor);
  bool StopBroker(int index);   // SIGTERM, bounded wait.
  bool StartBroker(int index);  // Restart on its config and storage.

 private:
  bool Run(const std::string& arguments);

  std::string dir_;
  bool ok_ = false;
};

}  // namespace trackd::testing

#endif  // TRACKD_TESTS_KAFKA_TEST_UTIL_H_
