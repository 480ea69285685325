// Production hardening on a real server: bearer tokens, TLS and mTLS with
// certificates made by openssl in the test, certificate rotation under load,
// the per-client rate limit, and the admin port's /metrics after a known
// sequence of calls.

#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "tests/test_server.h"
#include "tests/test_util.h"
#include "trackd/client/track_client.h"

namespace trackd {
namespace {

using ::testing::HasSubstr;
using testing::SeedRequest;

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path) << content;
}

std::string ReadFile(const std::string& path) {
  PosixFileSystem fs;
  return fs.ReadFile(path).value_or("");
}

bool Openssl(const std::string& arguments) {
  return std::system(absl::StrCat("openssl ", arguments, " >/dev/null 2>&1").c_str()) == 0;
}

// Certificates made with openssl: CAs, and leaves they sign for 127.0.0.1.
class Pki {
 public:
  explicit Pki(std::string dir) : dir_(std::move(dir)) {}

  std::string Ca(const std::string& name) {
    EXPECT_TRUE(Openssl(absl::StrCat("req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=", name,
                                     " -keyout ", Path(name, "key"), " -out ", Path(name, "pem"))));
    return name;
  }

  // A leaf for `usage` ("serverAuth" or "clientAuth") signed by `ca`.
  std::string Leaf(const std::string& name, const std::string& ca, const std::string& usage) {
    const std::string ext = Path(name, "ext");
    WriteFile(
        ext,
        absl::StrCat("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=", usage, "\n"));
    EXPECT_TRUE(Openssl(absl::StrCat("req -newkey rsa:2048 -nodes -subj /CN=", name, " -keyout ",
                                     Path(name, "key"), " -out ", Path(name, "csr"))));
    EXPECT_TRUE(Openssl(absl::StrCat(
        "x509 -req -days 2 -in ", Path(name, "csr"), " -CA ", Path(ca, "pem"), " -CAkey ",
        Path(ca, "key"), " -CAcreateserial -extfile ", ext, " -out ", Path(name, "pem"))));
    return name;
  }

  std::string Path(const std::string& name, const std::string& ext) const {
    return absl::StrCat(dir_, "/", name, ".", ext);
  }
  std::string Pem(const std::string& name) const { return ReadFile(Path(name, "pem")); }
  std::string Key(const std::string& name) const { return ReadFile(Path(name, "key")); }

 private:
  std::string dir_;
};

class HardeningTest : public ::testing::Test {
 protected:
  void Start(const std::function<void(ServerConfig&)>& customize) {
    auto server = testing::StartServer(dir_.path() + "/data", fs_, [&](ServerConfig& c) {
      c.admin_listen = "127.0.0.1:0";
      customize(c);
    });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  std::string target() const { return absl::StrCat("127.0.0.1:", server_->port()); }

  absl::StatusOr<v1::TrackResponse> TrackWith(ClientOptions options, const std::string& id) {
    options.target = target();
    options.service_config_json = "";  // No retries: each answer as it comes.
    options.deadline = absl::Seconds(10);
    auto client = TrackClient::Create(options);
    if (!client.ok()) return client.status();
    v1::TrackRequest request = SeedRequest();
    request.set_message_id(id);
    return (*client)->Track(request);
  }

  // Plain grpc call with an explicit authorization value ("" for none).
  grpc::Status TrackWithToken(const std::string& authorization, const std::string& id) {
    auto stub = v1::TrackService::NewStub(
        grpc::CreateChannel(target(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    v1::TrackRequest request = SeedRequest();
    request.set_message_id(id);
    v1::TrackResponse response;
    return stub->Track(&context, request, &response);
  }

  std::map<std::string, double> Scrape() { return testing::ScrapeMetrics(server_->admin_port()); }

  testing::TempDir dir_;
  PosixFileSystem fs_;
  std::unique_ptr<TrackdServer> server_;
};

TEST_F(HardeningTest, TokensAreRequiredAndRefusalsGiveNoHint) {
  const std::string tokens = dir_.path() + "/tokens";
  WriteFile(tokens,
            absl::StrCat("# billing's token\n", testing::TokenFileLine("s3cret-billing", "billing"),
                         testing::TokenFileLine("s3cret-crm", "crm")));
  Start([&](ServerConfig& c) { c.auth_tokens_file = tokens; });

  const grpc::Status none = TrackWithToken("", "a1");
  const grpc::Status wrong = TrackWithToken("Bearer not-the-token", "a2");
  const grpc::Status malformed = TrackWithToken("Basic czNjcmV0", "a3");
  for (const grpc::Status& s : {none, wrong, malformed}) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(s.error_message(), "unauthenticated");  // The same, whatever was wrong.
  }
  EXPECT_TRUE(TrackWithToken("Bearer s3cret-crm", "a4").ok());
  // The client library sends the token it is given.
  const auto with_library = TrackWith({.bearer_token = "s3cret-billing"}, "a5");
  EXPECT_TRUE(with_library.ok()) << with_library.status();

  const auto metrics = Scrape();
  EXPECT_EQ(metrics.at("trackd_auth_failures_total"), 3);
  EXPECT_EQ(metrics.at("trackd_requests_total{method=\"Track\",code=\"OK\",client=\"crm\"}"), 1);
  EXPECT_EQ(metrics.at("trackd_requests_total{method=\"Track\",code=\"OK\",client=\"billing\"}"),
            1);
  // The client's name is for logs and metrics, never the event.
  EXPECT_THAT(ReadFile(testing::SegmentDataPath(dir_.path() + "/data")),
              ::testing::Not(HasSubstr("crm")));
}

TEST_F(HardeningTest, MutualTlsRefusesClientsWithoutACertificateOrFromAnotherCa) {
  Pki pki(dir_.path());
  const std::string ca = pki.Ca("ca"), other_ca = pki.Ca("other-ca");
  const std::string server = pki.Leaf("server", ca, "serverAuth");
  const std::string client = pki.Leaf("client", ca, "clientAuth");
  const std::string stranger = pki.Leaf("stranger", other_ca, "clientAuth");
  Start([&](ServerConfig& c) {
    c.tls = {.cert_file = pki.Path(server, "pem"),
             .key_file = pki.Path(server, "key"),
             .client_ca_file = pki.Path(ca, "pem")};
  });
  const ClientOptions tls{.security = ChannelSecurity::kTls, .tls_root_certs_pem = pki.Pem(ca)};

  ClientOptions no_cert = tls;
  EXPECT_EQ(TrackWith(no_cert, "m1").status().code(), absl::StatusCode::kUnavailable);
  ClientOptions wrong_ca = tls;
  wrong_ca.tls_client_cert_pem = pki.Pem(stranger);
  wrong_ca.tls_client_key_pem = pki.Key(stranger);
  EXPECT_EQ(TrackWith(wrong_ca, "m2").status().code(), absl::StatusCode::kUnavailable);
  ClientOptions plaintext;
  EXPECT_EQ(TrackWith(plaintext, "m3").status().code(), absl::StatusCode::kUnavailable);

  ClientOptions good = tls;
  good.tls_client_cert_pem = pki.Pem(client);
  good.tls_client_key_pem = pki.Key(client);
  const auto ok = TrackWith(good, "m4");
  EXPECT_TRUE(ok.ok()) << ok.status();
}

TEST(HardeningStartTest, RefusesToStartWithAMissingCertificate) {
  testing::TempDir dir;
  PosixFileSystem fs;
  auto server = testing::StartServer(dir.path() + "/data", fs, [&](ServerConfig& c) {
    c.tls = {.cert_file = dir.path() + "/missing.pem", .key_file = dir.path() + "/missing.key"};
  });
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("missing.pem"));
}

TEST_F(HardeningTest, CertificateRotationUnderLoadDropsNoCall) {
  Pki pki(dir_.path());
  const std::string old_ca = pki.Ca("old-ca"), new_ca = pki.Ca("new-ca");
  pki.Leaf("old", old_ca, "serverAuth");
  pki.Leaf("new", new_ca, "serverAuth");
  const std::string cert = dir_.path() + "/tls.crt", key = dir_.path() + "/tls.key";
  WriteFile(cert, pki.Pem("old"));
  WriteFile(key, pki.Key("old"));
  Start([&](ServerConfig& c) {
    c.tls = {.cert_file = cert, .key_file = key, .reload_interval = absl::Seconds(1)};
  });

  // Load over one channel that trusts both CAs, as clients do during a rotation.
  auto client = TrackClient::Create({.target = target(),
                                     .security = ChannelSecurity::kTls,
                                     .tls_root_certs_pem = pki.Pem(old_ca) + pki.Pem(new_ca),
                                     .service_config_json = ""});
  ASSERT_TRUE(client.ok());
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::string first_failure;
  std::thread load([&] {
    for (int n = 0; !stop && n < 100000; ++n) {
      v1::TrackRequest request = SeedRequest();
      request.set_message_id(absl::StrCat("rot-", n));
      auto response = (*client)->Track(request);
      if (response.ok()) {
        ++ok;
      } else if (failed++ == 0) {
        first_failure = response.status().ToString();
      }
    }
  });
  if (!testing::WaitUntil([&] { return ok >= 20; }, absl::Seconds(30), "20 calls to succeed")) {
    stop = true;
    load.join();
    FAIL() << ok << " calls succeeded, " << failed << " failed: " << first_failure;
  }

  // Kubernetes swaps the mounted files: write the new pair in place.
  const int ok_at_rotation = ok;
  WriteFile(key, pki.Key("new"));
  WriteFile(cert, pki.Pem("new"));
  // A new connection that trusts only the new CA succeeds once the server reloaded.
  absl::Status fresh = absl::UnknownError("not tried");
  int attempt = 0;
  const ClientOptions new_ca_only{.security = ChannelSecurity::kTls,
                                  .tls_root_certs_pem = pki.Pem(new_ca)};
  const bool served_new = testing::WaitUntil(
      [&] {
        fresh = TrackWith(new_ca_only, absl::StrCat("fresh-", attempt++)).status();
        return fresh.ok();
      },
      absl::Seconds(30), "a connection that trusts only the new CA");
  stop = true;
  load.join();
  EXPECT_TRUE(served_new) << "the server never served the new certificate: " << fresh;
  EXPECT_EQ(failed, 0) << first_failure;
  EXPECT_GT(ok.load(), ok_at_rotation) << "the load stalled during the rotation";
}

TEST_F(HardeningTest, RateLimitAnswersResourceExhaustedWithRetryInfo) {
  Start([](ServerConfig& c) {
    c.limits.rate_limit_per_client = 1;
    c.limits.rate_limit_burst = 3;
  });
  int ok = 0;
  absl::Status refused;
  for (int n = 0; n < 4; ++n) {
    auto response = TrackWith({}, absl::StrCat("r", n));
    if (response.ok()) {
      ++ok;
    } else {
      refused = response.status();
    }
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(refused.GetPayload("type.googleapis.com/google.rpc.RetryInfo").has_value());
  EXPECT_EQ(Scrape().at("trackd_rate_limited_total{client=\"anonymous\"}"), 1);
}

TEST_F(HardeningTest, MetricsCountAKnownSequenceOfCalls) {
  Start([](ServerConfig&) {});
  for (const char* id : {"x1", "x2", "x3", "x1"}) ASSERT_TRUE(TrackWith({}, id).ok());
  v1::TrackRequest invalid = SeedRequest();
  invalid.clear_user_id();
  auto client = TrackClient::Create({.target = target(), .service_config_json = ""});
  EXPECT_EQ((*client)->Track(invalid).status().code(), absl::StatusCode::kInvalidArgument);

  const auto m = Scrape();
  EXPECT_EQ(m.at("trackd_requests_total{method=\"Track\",code=\"OK\",client=\"anonymous\"}"), 4);
  EXPECT_EQ(
      m.at(
          "trackd_requests_total{method=\"Track\",code=\"INVALID_ARGUMENT\",client=\"anonymous\"}"),
      1);
  EXPECT_EQ(m.at("trackd_events_stored_total"), 3);
  EXPECT_EQ(m.at("trackd_events_deduplicated_total"), 1);
  EXPECT_EQ(m.at("trackd_events_rejected_total{field=\"user_id\"}"), 1);
  EXPECT_EQ(m.at("trackd_request_duration_seconds_count{method=\"Track\"}"), 5);
  EXPECT_EQ(m.at("trackd_request_duration_seconds_bucket{method=\"Track\",le=\"+Inf\"}"), 5);
  EXPECT_EQ(m.at("trackd_queue_depth"), 0);
  EXPECT_GE(m.at("trackd_fsync_duration_seconds_count"), 1);

  httplib::Client http("127.0.0.1", server_->admin_port());
  EXPECT_EQ(http.Get("/healthz")->status, 200);
  EXPECT_EQ(http.Get("/readyz")->status, 200);
}

}  // namespace
}  // namespace trackd
