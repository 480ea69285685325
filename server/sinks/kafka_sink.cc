#include "server/sinks/kafka_sink.h"

#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace trackd {

// Counts the delivery reports of the batch being written, and keeps the first
// error. Each batch tags its messages with a new generation, so a late report
// of an earlier, abandoned batch is not counted for the current one.
class KafkaSink::DeliveryReports final : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    if (reinterpret_cast<uintptr_t>(message.msg_opaque()) != generation_) return;
    ++reported_;
    if (message.err() != RdKafka::ERR_NO_ERROR && first_error_.empty()) {
      first_error_ = message.errstr();
    }
  }
  // Starts a new batch; returns the tag for its messages.
  void* NextBatch() {
    reported_ = 0;
    first_error_.clear();
    return reinterpret_cast<void*>(++generation_);
  }
  size_t reported() const { return reported_; }
  const std::string& first_error() const { return first_error_; }

 private:
  uintptr_t generation_ = 0;
  size_t reported_ = 0;
  std::string first_error_;
};

absl::StatusOr<std::unique_ptr<KafkaSink>> KafkaSink::Create(KafkaSinkOptions options) {
  if (options.brokers.empty()) return absl::InvalidArgumentError("Kafka brokers are not set");
  if (options.topic.empty()) return absl::InvalidArgumentError("the Kafka topic is not set");
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  auto reports = std::make_unique<DeliveryReports>();
  std::string error;
  const std::string timeout_ms = absl::StrCat(absl::ToInt64Milliseconds(options.delivery_timeout));
  std::vector<std::pair<std::string, std::string>> settings = {
      {"bootstrap.servers", options.brokers},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"message.timeout.ms", timeout_ms},
      // A request in flight is not timed out before request.timeout.ms.
      {"request.timeout.ms",
       absl::StrCat(std::min<int64_t>(30000, absl::ToInt64Milliseconds(options.delivery_timeout)))},
      {"linger.ms", "2"},  // The pipeline batches already; do not wait long for more.
      {"reconnect.backoff.max.ms", "1000"},  // Find a returning broker quickly.
  };
  for (const auto& [key, value] : options.properties) {
    if ((key == "enable.idempotence" && value != "true") ||
        (key == "acks" && value != "all" && value != "-1")) {
      return absl::InvalidArgumentError(
          absl::StrCat("Kafka property ", key, "=", value,
                       " would weaken delivery; trackd needs enable.idempotence=true, acks=all"));
    }
    settings.emplace_back(key, value);
  }
  for (const auto& [key, value] : settings) {
    if (conf->set(key, value, error) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(absl::StrCat("Kafka property ", key, ": ", error));
    }
  }
  if (conf->set("dr_cb", reports.get(), error) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(error);
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (producer == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create the Kafka producer: ", error));
  }
  return std::unique_ptr<KafkaSink>(
      new KafkaSink(std::move(options), std::move(reports), std::move(producer)));
}

KafkaSink::KafkaSink(KafkaSinkOptions options, std::unique_ptr<DeliveryReports> reports,
                     std::unique_ptr<RdKafka::Producer> producer)
    : options_(std::move(options)), reports_(std::move(reports)), producer_(std::move(producer)) {}

KafkaSink::~KafkaSink() {
  producer_->flush(static_cast<int>(absl::ToInt64Milliseconds(options_.delivery_timeout)));
}

absl::Status KafkaSink::Write(absl::Span<const Record> records) {
  void* const batch_tag = reports_->NextBatch();
  // Every produced message gets a report within message.timeout.ms; the slack
  // covers the report's own way back.
  const absl::Time give_up = options_.clock->Now() + options_.delivery_timeout + absl::Seconds(5);
  size_t produced = 0;
  std::string produce_error;
  for (const Record& record : records) {
    RdKafka::Headers* headers = RdKafka::Headers::create();
    headers->add("message_id", record.message_id);
    while (true) {
      const RdKafka::ErrorCode code = producer_->produce(
          options_.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
          const_cast<char*>(record.json.data()), record.json.size(), record.partition_key.data(),
          record.partition_key.size(), /*timestamp=*/0, headers, batch_tag);
      if (code == RdKafka::ERR_NO_ERROR) {
        ++produced;  // librdkafka owns the headers now.
        break;
      }
      if (code == RdKafka::ERR__QUEUE_FULL && options_.clock->Now() < give_up) {
        producer_->poll(10);  // Let deliveries drain the local queue.
        continue;
      }
      delete headers;
      produce_error = RdKafka::err2str(code);
      break;
    }
    if (!produce_error.empty()) break;
  }
  while (reports_->reported() < produced && options_.clock->Now() < give_up) producer_->poll(5);
  if (!produce_error.empty()) {
    return absl::UnavailableError(absl::StrCat("Kafka produce failed: ", produce_error));
  }
  if (reports_->reported() < produced) {
    return absl::UnavailableError("Kafka delivery reports did not arrive in time");
  }
  if (!reports_->first_error().empty()) {
    return absl::UnavailableError(absl::StrCat("Kafka delivery failed: ", reports_->first_error()));
  }
  return absl::OkStatus();
}

}  // namespace trackd
