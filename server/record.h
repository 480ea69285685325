// Record: one accepted event on its way to a sink.
#ifndef TRACKD_SERVER_RECORD_H_
#define TRACKD_SERVER_RECORD_H_

#include <string>

namespace trackd {

struct Record {
  std::string message_id;  // The idempotency key; kept beside the JSON, never inside it.
  std::string json;        // The documented JSON line, without a newline.
  // The key that keeps related events in order where a sink partitions them
  // (Kafka): the group_id, or the user_id for events without one.
  std::string partition_key;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_RECORD_H_
