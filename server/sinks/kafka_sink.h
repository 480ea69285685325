// KafkaSink: hands events to a Kafka topic through librdkafka and returns only
// once every one has a successful delivery report (acks=all, idempotent
// producer). The key is the record's partition key (the group_id), so one
// account's events keep their order; the value is the documented JSON; the
// message_id travels as a header for consumers to deduplicate by.
#ifndef TRACKD_SERVER_SINKS_KAFKA_SINK_H_
#define TRACKD_SERVER_SINKS_KAFKA_SINK_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/sinks/sink.h"
#include "trackd/common/clock.h"

namespace RdKafka {
class Producer;
class Topic;
}  // namespace RdKafka

namespace trackd {

struct KafkaSinkOptions {
  std::string brokers;  // bootstrap.servers, "host:port,host:port".
  std::string topic;
  // Any other librdkafka property (SASL, TLS, tuning), applied after the
  // defaults; enable.idempotence and acks cannot be weakened.
  std::vector<std::pair<std::string, std::string>> properties;
  // How long librdkafka may try to deliver an event (message.timeout.ms);
  // after it, Write answers UNAVAILABLE.
  absl::Duration delivery_timeout = absl::Seconds(30);
  // Times the give-up deadline of a Write (the polls themselves wait in real
  // time). Must outlive the sink.
  Clock* clock = &Clock::Real();
};

// Not thread-safe (see Sink); delivery reports are served on the calling thread.
class KafkaSink final : public Sink {
 public:
  // INVALID_ARGUMENT for a missing broker list or topic, or a property
  // librdkafka refuses (named in the message).
  static absl::StatusOr<std::unique_ptr<KafkaSink>> Create(KafkaSinkOptions options);
  ~KafkaSink() override;

  // Produces every record and waits for all their delivery reports. UNAVAILABLE
  // names the first failure (for example brokers unreachable once the delivery
  // timeout passed); some records may then be in Kafka already, and a retry may
  // add them again under the same message_id header (at-least-once).
  absl::Status Write(absl::Span<const Record> records) override;

 private:
  class DeliveryReports;
  KafkaSink(KafkaSinkOptions options, std::unique_ptr<DeliveryReports> reports,
            std::unique_ptr<RdKafka::Producer> producer);

  const KafkaSinkOptions options_;
  std::unique_ptr<DeliveryReports> reports_;
  std::unique_ptr<RdKafka::Producer> producer_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SINKS_KAFKA_SINK_H_
