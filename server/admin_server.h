// AdminServer: the operators' HTTP port. GET /metrics (Prometheus text),
// /healthz (200 while the process runs), /readyz (200 while trackd takes
// calls; 503 with the reason as its body once it drains or its store stopped
// after an I/O error). Served by cpp-httplib on its own threads.
#ifndef TRACKD_SERVER_ADMIN_SERVER_H_
#define TRACKD_SERVER_ADMIN_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/metrics.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace trackd {

// Thread-safe.
class AdminServer {
 public:
  // Listens on `listen` (HOST:PORT; port 0 picks one). `metrics` must outlive
  // the server; `ready` is called for /readyz and must be thread-safe: OK
  // answers 200, an error 503 with its message.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(const std::string& listen,
                                                            const MetricsRegistry& metrics,
                                                            std::function<absl::Status()> ready);
  ~AdminServer();

  int port() const { return port_; }

 private:
  AdminServer() = default;

  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_ADMIN_SERVER_H_
