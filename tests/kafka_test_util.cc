#include "tests/kafka_test_util.h"

#include <librdkafka/rdkafkacpp.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace trackd::testing {

std::vector<ConsumedMessage> ConsumeTopic(const std::string& bootstrap, const std::string& topic,
                                          size_t count, absl::Duration limit,
                                          absl::Duration quiet) {
  std::string error;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", bootstrap, error);
  conf->set("group.id", absl::StrCat("test-", ::getpid(), "-", absl::ToUnixNanos(absl::Now())),
            error);
  conf->set("auto.offset.reset", "earliest", error);
  conf->set("enable.auto.commit", "false", error);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), error));
  std::vector<ConsumedMessage> out;
  if (consumer == nullptr) return out;
  consumer->subscribe({topic});
  const absl::Time give_up = absl::Now() + limit;
  absl::Time last_message = absl::Now();
  while (absl::Now() < give_up && (out.size() < count || absl::Now() - last_message < quiet)) {
    std::unique_ptr<RdKafka::Message> message(consumer->consume(100));
    if (message->err() != RdKafka::ERR_NO_ERROR) continue;
    last_message = absl::Now();
    ConsumedMessage m;
    m.key = message->key() ? *message->key() : "";
    m.value.assign(static_cast<const char*>(message->payload()), message->len());
    m.partition = message->partition();
    m.offset = message->offset();
    if (RdKafka::Headers* headers = message->headers()) {
      for (const auto& header : headers->get("message_id")) {
        m.message_id.assign(static_cast<const char*>(header.value()), header.value_size());
      }
    }
    out.push_back(std::move(m));
  }
  consumer->close();
  return out;
}

void UseKafka(ServerConfig& config, const std::string& bootstrap, const std::string& topic,
              absl::Duration delivery_timeout) {
  config.sink = SinkKind::kKafka;
  config.kafka = {.brokers = bootstrap, .topic = topic, .delivery_timeout = delivery_timeout};
}

KafkaCluster::KafkaCluster(const std::string& dir, int brokers) : dir_(dir) {
  ok_ = Run("fetch") && Run(absl::StrCat("start ", dir_, " ", brokers));
}

KafkaCluster::~KafkaCluster() { Run(absl::StrCat("stop ", dir_)); }

std::string KafkaCluster::bootstrap() const {
  std::ifstream in(dir_ + "/bootstrap");
  std::string line;
  std::getline(in, line);
  return std::string(absl::StripAsciiWhitespace(line));
}

bool KafkaCluster::CreateTopic(const std::string& name, int partitions, int replication_factor) {
  return Run(
      absl::StrCat("create-topic ", dir_, " ", name, " ", partitions, " ", replication_factor));
}

bool KafkaCluster::StopBroker(int index) {
  return Run(absl::StrCat("stop-broker ", dir_, " ", index));
}

bool KafkaCluster::StartBroker(int index) {
  return Run(absl::StrCat("start-broker ", dir_, " ", index));
}

bool KafkaCluster::Run(const std::string& arguments) {
  const std::string command = absl::StrCat("KAFKA_OWNER_PID=", ::getpid(), " bash ",
                                           TRACKD_SOURCE_DIR, "/tests/kafka/kafka_cluster.sh ",
                                           arguments, " >>", dir_, "/kafka_cluster.out 2>&1");
  return std::system(command.c_str()) == 0;
}

}  // namespace trackd::testing
