#include "server/admin_server.h"

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace trackd {

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(
    const std::string& listen, const MetricsRegistry& metrics,
    std::function<absl::Status()> ready) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--admin_listen must be HOST:PORT, got '", listen, "'"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto server = std::unique_ptr<AdminServer>(new AdminServer());
  server->http_ = std::make_unique<httplib::Server>();
  httplib::Server& http = *server->http_;
  http.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain");
  });
  http.Get("/readyz", [ready](const httplib::Request&, httplib::Response& response) {
    const absl::Status is_ready = ready();
    response.status = is_ready.ok() ? 200 : 503;
    response.set_content(is_ready.ok() ? std::string("ready\n")
                                       : absl::StrCat("not ready: ", is_ready.message(), "\n"),
                         "text/plain");
  });
  if (port == 0) {
    server->port_ = http.bind_to_any_port(host);
  } else if (http.bind_to_port(host, port)) {
    server->port_ = port;
  }
  if (server->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, " (admin port)"));
  }
  server->thread_ = std::thread([&http] { http.listen_after_bind(); });
  return server;
}

AdminServer::~AdminServer() {
  http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace trackd
