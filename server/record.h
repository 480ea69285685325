// Record: one accepted event on its way to a sink.
#ifndef TRACKD_SERVER_RECORD_H_
#define TRACKD_SERVER_RECORD_H_

#include <string>

namespace trackd {

struct Record {
  std::string message_id;  // The idempotency key; kept beside the JSON, never inside it.
  std::string json;        // The documented JSON line, without a newline.
};

}  // namespace trackd

#endif  // TRACKD_SERVER_RECORD_H_
