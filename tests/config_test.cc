// ServerConfig::Validate, one table row per rule; the TRACKD_<FLAG>
// environment mapping built from Abseil's flag registry; the HTTP auth header
// secret; and the flag parsers of server/flags.cc, which this test compiles in.
#include "server/config.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/file_system.h"
#include "server/flag_environment.h"
#include "server/flags.h"
#include "server/server.h"
#include "tests/test_util.h"

// A flag of this test binary, unknown to trackd: it must get its TRACKD_
// variable from the registry alone.
ABSL_FLAG(std::string, config_test_greeting, "", "A flag only config_test defines.");

ABSL_DECLARE_FLAG(std::string, sink);
ABSL_DECLARE_FLAG(std::string, personal_data);
ABSL_DECLARE_FLAG(std::string, personal_data_key_file);
ABSL_DECLARE_FLAG(std::string, http_url);
ABSL_DECLARE_FLAG(std::string, http_auth_header_file);
ABSL_DECLARE_FLAG(std::string, listen);
ABSL_DECLARE_FLAG(uint64_t, segment_bytes);
ABSL_DECLARE_FLAG(int32_t, max_batch_items);
ABSL_DECLARE_FLAG(bool, plaintext);
ABSL_DECLARE_FLAG(std::string, kafka_brokers);

namespace trackd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// A fake environment.
GetEnv Environment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const char* name) -> const char* {
    auto it = variables.find(name);
    return it == variables.end() ? nullptr : it->second.c_str();
  };
}

std::vector<std::string> Args(const GetEnv& getenv, std::vector<std::string> command_line) {
  std::vector<char*> argv;
  for (std::string& arg : command_line) argv.push_back(arg.data());
  return ArgsWithEnvironment(static_cast<int>(argv.size()), argv.data(), getenv);
}

ServerConfig ValidFileConfig() {
  ServerConfig config;
  config.listen = "127.0.0.1:0";
  return config;
}

ServerConfig ValidHttpConfig() {
  ServerConfig config = ValidFileConfig();
  config.sink = SinkKind::kHttp;
  config.http.http.url = "http://127.0.0.1:1/track";
  config.http.auth_header = "Authorization: Bearer s3cret-token";
  return config;
}

ServerConfig ValidKafkaConfig() {
  ServerConfig config = ValidFileConfig();
  config.sink = SinkKind::kKafka;
  config.kafka.brokers = "127.0.0.1:1";
  config.kafka.topic = "events";
  return config;
}

struct ValidateCase {
  std::string name;
  std::function<ServerConfig()> base;
  std::function<void(ServerConfig&)> change;
  std::string flag;  // Named in the error.
};

std::vector<ValidateCase> ValidateCases() {
  const auto file = ValidFileConfig, http = ValidHttpConfig, kafka = ValidKafkaConfig;
  return {
      {"EmptyListen", file, [](ServerConfig& c) { c.listen = ""; }, "--listen"},
      {"CertWithoutKey", file, [](ServerConfig& c) { c.tls.cert_file = "c.pem"; },
       "--tls_key_file"},
      {"KeyWithoutCert", file, [](ServerConfig& c) { c.tls.key_file = "k.pem"; },
       "--tls_cert_file"},
      {"ClientCaWithoutTls", file, [](ServerConfig& c) { c.tls.client_ca_file = "ca.pem"; },
       "--tls_client_ca_file"},
      {"TlsReloadUnderASecond", file,
       [](ServerConfig& c) { c.tls.reload_interval = absl::Milliseconds(999); },
       "--tls_reload_interval"},
      {"PlaintextOnAllInterfaces", file, [](ServerConfig& c) { c.listen = "0.0.0.0:50051"; },
       "--plaintext"},
      {"PlaintextOnIpv6Any", file, [](ServerConfig& c) { c.listen = "[::]:50051"; }, "--plaintext"},
      {"EmptyDataDir", file, [](ServerConfig& c) { c.log.dir = ""; }, "--data_dir"},
      {"QueueBelowABatch", file, [](ServerConfig& c) { c.pipeline.max_queued_events = 499; },
       "--max_queued_events"},
      {"QueueBytesBelowABatch", file,
       [](ServerConfig& c) { c.pipeline.max_queued_bytes = (16 << 20) - 1; }, "--max_queued_bytes"},
      {"ZeroDedupeWindow", file, [](ServerConfig& c) { c.dedupe.window = absl::ZeroDuration(); },
       "--dedupe_window"},
      {"NegativeDedupeWindow", file, [](ServerConfig& c) { c.dedupe.window = -absl::Seconds(1); },
       "--dedupe_window"},
      {"NoDedupeIds", file, [](ServerConfig& c) { c.dedupe.max_ids = 0; }, "--dedupe_max_ids"},
      {"NegativeMaxFuture", file,
       [](ServerConfig& c) { c.timestamps.max_future = -absl::Seconds(1); }, "--max_future"},
      {"NegativeShutdownGrace", file, [](ServerConfig& c) { c.shutdown_grace = -absl::Seconds(1); },
       "--shutdown_grace"},
      {"MessageBelow64KiB", file, [](ServerConfig& c) { c.limits.max_message_bytes = 65535; },
       "--max_message_bytes"},
      {"NoBatchItems", file, [](ServerConfig& c) { c.limits.max_batch_items = 0; },
       "--max_batch_items"},
      {"BatchAbove500", file, [](ServerConfig& c) { c.limits.max_batch_items = 501; },
       "--max_batch_items"},
      {"NoConcurrentStreams", file, [](ServerConfig& c) { c.limits.max_concurrent_streams = 0; },
       "--max_concurrent_streams"},
      {"NegativeRate", file, [](ServerConfig& c) { c.limits.rate_limit_per_client = -1; },
       "--rate_limit_per_client"},
      {"NegativeBurst", file, [](ServerConfig& c) { c.limits.rate_limit_burst = -1; },
       "--rate_limit_burst"},
      {"KeepaliveTimeUnderASecond", file,
       [](ServerConfig& c) { c.limits.keepalive_time = absl::Milliseconds(999); },
       "--keepalive_time"},
      {"KeepaliveTimeoutUnderASecond", file,
       [](ServerConfig& c) { c.limits.keepalive_timeout = absl::Milliseconds(999); },
       "--keepalive_timeout"},
      {"ConnectionAgeUnderASecond", file,
       [](ServerConfig& c) { c.limits.max_connection_age = absl::Milliseconds(999); },
       "--max_connection_age"},
      {"ConnectionAgeGraceUnderASecond", file,
       [](ServerConfig& c) { c.limits.max_connection_age_grace = absl::Milliseconds(999); },
       "--max_connection_age_grace"},
      {"ConnectionIdleUnderASecond", file,
       [](ServerConfig& c) { c.limits.max_connection_idle = absl::Milliseconds(999); },
       "--max_connection_idle"},
      {"PersonalDataHashWithoutKeyFile", file,
       [](ServerConfig& c) { c.personal_data.policy = PersonalDataPolicy::kHash; },
       "--personal_data_key_file"},
      {"HttpWithoutUrl", http, [](ServerConfig& c) { c.http.http.url = ""; }, "--http_url"},
      {"HttpUrlNotHttp", http, [](ServerConfig& c) { c.http.http.url = "ftp://h/track"; },
       "--http_url"},
      {"HttpBatchZero", http, [](ServerConfig& c) { c.http.batch = 0; }, "--http_batch"},
      {"HttpBatchAbove500", http, [](ServerConfig& c) { c.http.batch = 501; }, "--http_batch"},
      {"HttpConnectTimeoutZero", http,
       [](ServerConfig& c) { c.http.http.connect_timeout = absl::ZeroDuration(); },
       "--http_connect_timeout"},
      {"HttpTimeoutZero", http,
       [](ServerConfig& c) { c.http.http.total_timeout = absl::ZeroDuration(); }, "--http_timeout"},
      {"HttpMaxBackoffZero", http,
       [](ServerConfig& c) { c.http.max_backoff = absl::ZeroDuration(); }, "--http_max_backoff"},
      {"AuthHeaderWithoutColon", http,
       [](ServerConfig& c) { c.http.auth_header = "Bearer s3cret-token"; }, "HTTP auth header"},
      {"AuthHeaderOfTwoLines", http,
       [](ServerConfig& c) { c.http.auth_header = "Authorization: s3cret-token\nX: y"; },
       "HTTP auth header"},
      {"KafkaWithoutBrokers", kafka, [](ServerConfig& c) { c.kafka.brokers = ""; },
       "--kafka_brokers"},
      {"KafkaWithoutTopic", kafka, [](ServerConfig& c) { c.kafka.topic = ""; }, "--kafka_topic"},
      {"KafkaDeliveryUnderASecond", kafka,
       [](ServerConfig& c) { c.kafka.delivery_timeout = absl::Milliseconds(999); },
       "--kafka_delivery_timeout"},
      {"KafkaPropertyWithEmptyKey", kafka,
       [](ServerConfig& c) {
         c.kafka.properties = {{"", "v"}};
       },
       "--kafka_property"},
  };
}

// Failures name the row, not its bytes.
void PrintTo(const ValidateCase& row, std::ostream* out) { *out << row.name; }

class ConfigValidateTest : public ::testing::TestWithParam<ValidateCase> {};

TEST_P(ConfigValidateTest, RefusesTheValueNamingItsFlag) {
  ServerConfig config = GetParam().base();
  ASSERT_TRUE(config.Validate().ok()) << config.Validate();
  GetParam().change(config);
  const absl::Status status = config.Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(status.message(), HasSubstr(GetParam().flag));
  EXPECT_THAT(status.message(), Not(HasSubstr("s3cret-token"))) << "the auth header leaked";
  EXPECT_EQ(config.ValidateWithSizingFloors(), status) << "the floors come after every rule";
}

INSTANTIATE_TEST_SUITE_P(EveryRule, ConfigValidateTest, ::testing::ValuesIn(ValidateCases()),
                         [](const auto& info) { return info.param.name; });

TEST(ConfigValidateTest, DefaultsAndLoopbackPlaintextPass) {
  for (const char* listen : {"127.0.0.1:0", "localhost:1", "[::1]:1", "127.9.9.9:2"}) {
    ServerConfig config;
    config.listen = listen;
    EXPECT_TRUE(config.ValidateWithSizingFloors().ok()) << listen;
  }
}

TEST(ConfigValidateTest, PlaintextOnAnyAddressPassesWhenChosenOrWithTls) {
  ServerConfig config;
  config.listen = "0.0.0.0:50051";
  config.allow_plaintext = true;
  EXPECT_TRUE(config.Validate().ok());
  config.allow_plaintext = false;
  config.tls = {.cert_file = "c.pem", .key_file = "k.pem"};
  EXPECT_TRUE(config.Validate().ok());
}

TEST(ConfigValidateTest, RulesOfAnotherSinkDoNotApply) {
  ServerConfig config = ValidFileConfig();
  config.http.batch = 0;
  config.kafka.delivery_timeout = absl::ZeroDuration();
  EXPECT_TRUE(config.Validate().ok());
}

TEST(ConfigValidateTest, SizingFloorsApplyToFlagsButNotToStart) {
  ServerConfig config = ValidHttpConfig();
  config.log.segment_bytes = 4095;
  EXPECT_TRUE(config.Validate().ok());
  EXPECT_EQ(config.ValidateWithSizingFloors(),
            absl::InvalidArgumentError("--segment_bytes must be at least 4096"));
  config.log.segment_bytes = 8192;
  config.spool_max_bytes = 8191;
  EXPECT_TRUE(config.Validate().ok());
  EXPECT_EQ(config.ValidateWithSizingFloors(),
            absl::InvalidArgumentError("--spool_max_bytes must be at least --segment_bytes"));
  config.sink = SinkKind::kFile;
  EXPECT_TRUE(config.ValidateWithSizingFloors().ok()) << "the spool is only the HTTP sink's";
}

TEST(ConfigValidateTest, StartRefusesAnInvalidConfigurationBeforeTouchingAnything) {
  testing::TempDir dir;
  ServerConfig config = ValidFileConfig();
  config.log.dir = dir.path() + "/data";
  config.limits.max_batch_items = 0;
  PosixFileSystem fs;
  auto server = TrackdServer::Start(config, fs, Clock::Real());
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status(), absl::InvalidArgumentError("--max_batch_items must be 1 to 500"));
  struct stat st;
  EXPECT_NE(::stat(config.log.dir.c_str(), &st), 0) << "the data directory was created";
}

TEST(ConfigEnvironmentTest, AFlagDefinedAnywhereInTheBinaryGetsItsVariable) {
  const auto args = Args(
      Environment({{"TRACKD_CONFIG_TEST_GREETING", "hello"}, {"TRACKD_DATA_DIR", "/srv/trackd"}}),
      {"trackd"});
  EXPECT_THAT(args,
              ElementsAre("trackd", "--config_test_greeting=hello", "--data_dir=/srv/trackd"));
}

TEST(ConfigEnvironmentTest, EveryTrackdFlagGetsItsVariable) {
  std::map<std::string, std::string> variables;
  std::vector<std::string> expected = {"trackd"};
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!absl::EndsWith(flag->Filename(), "server/flags.cc") || name == "kafka_property") continue;
    variables[absl::AsciiStrToUpper(absl::StrCat("TRACKD_", name))] = "v";
    expected.push_back(absl::StrCat("--", name, "=v"));
  }
  ASSERT_GT(expected.size(), 40u) << "server/flags.cc is not linked in";
  std::sort(expected.begin() + 1, expected.end());
  EXPECT_EQ(Args(Environment(variables), {"trackd"}), expected);
}

TEST(ConfigEnvironmentTest, AbseilsOwnFlagsAndKafkaPropertyGetNoVariable) {
  // Registered here as in trackd (absl::flags_parse), so the test would notice them.
  // (--help and its kin are handled by the parser without being registered flags.)
  ASSERT_NE(absl::FindCommandLineFlag("flagfile"), nullptr);
  ASSERT_NE(absl::FindCommandLineFlag("fromenv"), nullptr);
  ASSERT_NE(absl::FindCommandLineFlag("kafka_property"), nullptr);
  const auto args = Args(Environment({{"TRACKD_FLAGFILE", "/tmp/evil"},
                                      {"TRACKD_FROMENV", "listen"},
                                      {"TRACKD_UNDEFOK", "x"},
                                      {"TRACKD_HELP", "true"},
                                      {"TRACKD_HELPFULL", "true"},
                                      {"TRACKD_KAFKA_PROPERTY", "acks=0"}}),
                         {"trackd"});
  EXPECT_THAT(args, ElementsAre("trackd"));
}

TEST(ConfigEnvironmentTest, TheCommandLineWinsOverTheEnvironment) {
  absl::FlagSaver restore_flags;
  auto args = Args(Environment({{"TRACKD_CONFIG_TEST_GREETING", "from-env"}}),
                   {"trackd", "--config_test_greeting=from-command-line"});
  EXPECT_THAT(args, ElementsAre("trackd", "--config_test_greeting=from-env",
                                "--config_test_greeting=from-command-line"));
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  absl::ParseCommandLine(static_cast<int>(argv.size()), argv.data());
  EXPECT_EQ(absl::GetFlag(FLAGS_config_test_greeting), "from-command-line");
}

TEST(ConfigEnvironmentTest, KafkaPropertiesComeOnePerLineBeforeTheCommandLines) {
  auto args = Args(Environment({{"TRACKD_KAFKA_PROPERTIES",
                                 "security.protocol=SASL_SSL\n  sasl.username=ops \n\n \n"}}),
                   {"trackd", "--kafka_property=linger.ms=5", "--sink=kafka", "--kafka_property",
                    "compression.type=lz4"});
  EXPECT_THAT(TakeRepeatedKafkaProperties(args),
              ElementsAre("security.protocol=SASL_SSL", "sasl.username=ops", "linger.ms=5",
                          "compression.type=lz4"));
  EXPECT_THAT(args, ElementsAre("trackd", "--sink=kafka"));
}

TEST(ConfigKafkaPropertiesTest, SplitAtTheFirstEqualsSign) {
  auto parsed = ParseKafkaProperties({"sasl.jaas.config=a=b", "acks=all"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(*parsed, ElementsAre(std::pair<std::string, std::string>("sasl.jaas.config", "a=b"),
                                   std::pair<std::string, std::string>("acks", "all")));
}

TEST(ConfigKafkaPropertiesTest, WithoutEqualsSignOrKeyIsRefusedNamingTheFlag) {
  EXPECT_EQ(ParseKafkaProperties({"acks=all", "linger.ms"}).status(),
            absl::InvalidArgumentError(
                "--kafka_property must be key=value, got one without '=' for key \"linger.ms\""));
  EXPECT_EQ(ParseKafkaProperties({"=5"}).status(),
            absl::InvalidArgumentError("--kafka_property must be key=value, got an empty key"));
}

class ConfigAuthHeaderTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  testing::TempDir dir_;
  PosixFileSystem fs_;
};

TEST_F(ConfigAuthHeaderTest, TheFirstLineOfTheFileWinsOverTheVariable) {
  const std::string path = Write("header", "  Authorization: Bearer from-file \nignored: line\n");
  const GetEnv env = Environment({{"TRACKD_HTTP_AUTH_HEADER", "Authorization: from-env"}});
  EXPECT_EQ(ReadHttpAuthHeader(fs_, path, env).value(), "Authorization: Bearer from-file");
  EXPECT_EQ(ReadHttpAuthHeader(fs_, "", env).value(), "Authorization: from-env");
  EXPECT_EQ(ReadHttpAuthHeader(fs_, "", Environment({})).value(), "");
}

TEST_F(ConfigAuthHeaderTest, AMissingFileIsRefusedNamingTheFlagAndThePath) {
  const std::string path = dir_.path() + "/no-such-header";
  const absl::Status status = ReadHttpAuthHeader(fs_, path, Environment({})).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(status.message(), HasSubstr("--http_auth_header_file"));
  EXPECT_THAT(status.message(), HasSubstr(path));
}

TEST_F(ConfigAuthHeaderTest, ADirectoryIsRefusedSayingWhy) {
  const absl::Status status = ReadHttpAuthHeader(fs_, dir_.path(), Environment({})).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(status.message(), HasSubstr("--http_auth_header_file"));
  EXPECT_THAT(status.message(), HasSubstr("Is a directory"));
}

TEST_F(ConfigAuthHeaderTest, ServerConfigFromFlagsReportsTheUnreadableFile) {
  absl::FlagSaver restore_flags;
  absl::SetFlag(&FLAGS_sink, "http");
  absl::SetFlag(&FLAGS_http_url, "http://127.0.0.1:1/track");
  absl::SetFlag(&FLAGS_http_auth_header_file, dir_.path() + "/missing");
  const absl::Status status = ServerConfigFromFlags(fs_, {}, Environment({})).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(status.message(), HasSubstr("--http_auth_header_file"));
}

TEST_F(ConfigAuthHeaderTest, AnInvalidHeaderIsRefusedWithoutShowingIt) {
  absl::FlagSaver restore_flags;
  absl::SetFlag(&FLAGS_sink, "http");
  absl::SetFlag(&FLAGS_http_url, "http://127.0.0.1:1/track");
  absl::SetFlag(&FLAGS_http_auth_header_file, Write("header", "Bearer s3cret-token\n"));
  EXPECT_EQ(ServerConfigFromFlags(fs_, {}, Environment({})).status(),
            absl::InvalidArgumentError(
                "the HTTP auth header must be one line 'Name: value' (its value is not shown)"));
}

TEST(ServerConfigFromFlagsTest, FillsEachSectionFromItsFlags) {
  absl::FlagSaver restore_flags;
  absl::SetFlag(&FLAGS_listen, "0.0.0.0:7000");
  absl::SetFlag(&FLAGS_plaintext, true);
  absl::SetFlag(&FLAGS_segment_bytes, 8192);
  absl::SetFlag(&FLAGS_max_batch_items, 7);
  absl::SetFlag(&FLAGS_sink, "kafka");
  absl::SetFlag(&FLAGS_kafka_brokers, "127.0.0.1:1");
  PosixFileSystem fs;
  auto config = ServerConfigFromFlags(fs, {"acks=all"}, Environment({}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, "0.0.0.0:7000");
  EXPECT_TRUE(config->allow_plaintext);
  EXPECT_EQ(config->log.segment_bytes, 8192u);
  EXPECT_EQ(config->limits.max_batch_items, 7);
  EXPECT_EQ(config->sink, SinkKind::kKafka);
  EXPECT_EQ(config->kafka.topic, "trackd-events");
  EXPECT_THAT(config->kafka.properties,
              ElementsAre(std::pair<std::string, std::string>("acks", "all")));
}

TEST(ServerConfigFromFlagsTest, PersonalDataIsKeepByDefaultAndOtherwiseAsTheFlagsSay) {
  absl::FlagSaver restore_flags;
  PosixFileSystem fs;
  EXPECT_EQ(ServerConfigFromFlags(fs, {}, Environment({}))->personal_data.policy,
            PersonalDataPolicy::kKeep);
  absl::SetFlag(&FLAGS_personal_data, "hash");
  EXPECT_THAT(ServerConfigFromFlags(fs, {}, Environment({})).status().message(),
              HasSubstr("--personal_data=hash needs --personal_data_key_file"));
  absl::SetFlag(&FLAGS_personal_data_key_file, "/run/secrets/pd-key");
  auto config = ServerConfigFromFlags(fs, {}, Environment({}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->personal_data.policy, PersonalDataPolicy::kHash);
  EXPECT_EQ(config->personal_data.key_file, "/run/secrets/pd-key");
  absl::SetFlag(&FLAGS_personal_data, "redact");
  EXPECT_THAT(ServerConfigFromFlags(fs, {}, Environment({})).status().message(),
              HasSubstr("--personal_data must be keep, hash or drop"));
}

TEST(ServerConfigFromFlagsTest, RefusesWhatValidateOrTheFloorsRefuse) {
  absl::FlagSaver restore_flags;
  PosixFileSystem fs;
  absl::SetFlag(&FLAGS_sink, "ftp");
  EXPECT_EQ(ServerConfigFromFlags(fs, {}, Environment({})).status(),
            absl::InvalidArgumentError("--sink must be file, http or kafka, got 'ftp'"));
  absl::SetFlag(&FLAGS_sink, "file");
  absl::SetFlag(&FLAGS_listen, "0.0.0.0:7000");
  EXPECT_THAT(ServerConfigFromFlags(fs, {}, Environment({})).status().message(),
              HasSubstr("--plaintext"));
  absl::SetFlag(&FLAGS_listen, "127.0.0.1:7000");
  absl::SetFlag(&FLAGS_segment_bytes, 4095);
  EXPECT_EQ(ServerConfigFromFlags(fs, {}, Environment({})).status(),
            absl::InvalidArgumentError("--segment_bytes must be at least 4096"));
}

}  // namespace
}  // namespace trackd
