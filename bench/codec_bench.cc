// codec_bench: trackd's own per-event CPU before an event reaches the
// pipeline, stage by stage, as Tracker::Prepare runs them: the wire decode
// (UTF-8 checks and the copy into v1::TrackRequest), validation, and the
// documented-JSON encoding (and, for trackctl, its decoding). BM_Prepare runs
// the three in a row; a regression in one stage shows in its own line. Two
// events: the seed account_added_user event (what the load generator sends)
// and a free-form event with nested properties, a list and non-ASCII text,
// which takes the Struct paths.
// Run pinned, e.g.:
//   taskset -c 1 build/bench/codec_bench --benchmark_repetitions=5
//     --benchmark_report_aggregates_only=true
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "bench/seed_event.h"
#include "benchmark/benchmark.h"
#include "google/protobuf/struct.pb.h"
#include "server/validate.h"
#include "server/wire/track_wire.pb.h"
#include "server/wire_decode.h"
#include "trackd/common/json_decoder.h"
#include "trackd/common/json_encoder.h"

namespace trackd::bench {
namespace {

const absl::Time kEventTime = absl::FromUnixMillis(1698885008276);  // 2023-11-02T00:30:08.276Z
const absl::Time kNow = kEventTime + absl::Minutes(1);

v1::TrackRequest SeedEvent() {
  return SeedTrackRequest("0190f2a4-7b7e-7c3a-9d2e-5f6a7b8c9d0e", kEventTime);
}

// A free-form event of the size a product-analytics client sends.
v1::TrackRequest RichEvent() {
  v1::TrackRequest request;
  request.set_message_id("0190f2a4-7b7e-7c3a-9d2e-5f6a7b8c9d0f");
  request.set_user_id("766b3aef-5904-46fe-af05-a293fee8h345");
  request.set_group_id("47464e5b-4727-11ee-aeb6-fefbf8354ds3");
  request.set_event_name("Order Completed");
  SetTimestamp(kEventTime, &request);
  auto& props = *request.mutable_properties()->mutable_fields();
  props["order_id"].set_string_value("50314b8e9bcf000000000000");
  props["revenue"].set_number_value(25.0);
  props["currency"].set_string_value("EUR");
  props["coupon"].set_string_value("Été \"2023\" — 10 % off");
  props["gift"].set_bool_value(false);
  auto& products = *props["products"].mutable_list_value();
  for (int i = 0; i < 2; ++i) {
    auto& product = *products.add_values()->mutable_struct_value()->mutable_fields();
    product["sku"].set_string_value(i == 0 ? "45790-32" : "46493-32");
    product["name"].set_string_value(i == 0 ? "Monopoly: 3rd Edition" : "Uno Card Game");
    product["price"].set_number_value(i == 0 ? 19.0 : 3.0);
    product["quantity"].set_number_value(i + 1);
  }
  auto& context = *request.mutable_context()->mutable_fields();
  context["group_id"].set_string_value(request.group_id());
  context["ip"].set_string_value("203.0.113.7");
  context["locale"].set_string_value("fr-FR");
  context["user_agent"].set_string_value(
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0");
  return request;
}

v1::TrackRequest Event(bool rich) { return rich ? RichEvent() : SeedEvent(); }

wire::TrackRequest ToWire(const v1::TrackRequest& request) {
  wire::TrackRequest out;
  if (!out.ParseFromString(request.SerializeAsString())) std::abort();
  return out;
}

void SetLabel(benchmark::State& state, bool rich) { state.SetLabel(rich ? "rich" : "seed"); }

// gRPC's part, for scale: the request bytes parsed into the wire view.
void BM_WireParse(benchmark::State& state, bool rich) {
  const std::string bytes = Event(rich).SerializeAsString();
  for (auto _ : state) {
    wire::TrackRequest wire;
    benchmark::DoNotOptimize(wire.ParseFromString(bytes));
  }
  SetLabel(state, rich);
}
BENCHMARK_CAPTURE(BM_WireParse, seed, false);
BENCHMARK_CAPTURE(BM_WireParse, rich, true);

// As the Tracker does it: a new v1::TrackRequest per event.
void BM_WireDecode(benchmark::State& state, bool rich) {
  const wire::TrackRequest wire = ToWire(Event(rich));
  for (auto _ : state) {
    v1::TrackRequest request;
    FieldViolations violations = DecodeWireRequest(wire, &request);
    benchmark::DoNotOptimize(violations.empty());
    benchmark::DoNotOptimize(request.user_id().data());
  }
  SetLabel(state, rich);
}
BENCHMARK_CAPTURE(BM_WireDecode, seed, false);
BENCHMARK_CAPTURE(BM_WireDecode, rich, true);

// Into one v1::TrackRequest, Cleared before each event (as a TrackBatch could
// do for its items): Clear keeps the strings' buffers, so copying allocates
// nothing once they are large enough.
void BM_WireDecodeReused(benchmark::State& state, bool rich) {
  const wire::TrackRequest wire = ToWire(Event(rich));
  v1::TrackRequest request;
  for (auto _ : state) {
    request.Clear();
    FieldViolations violations = DecodeWireRequest(wire, &request);
    benchmark::DoNotOptimize(violations.empty());
    benchmark::DoNotOptimize(request.user_id().data());
  }
  SetLabel(state, rich);
}
BENCHMARK_CAPTURE(BM_WireDecodeReused, seed, false);
BENCHMARK_CAPTURE(BM_WireDecodeReused, rich, true);

// Parse and decode, as the service and Tracker run them one after the other.
void BM_ParseAndDecode(benchmark::State& state, bool rich) {
  const std::string bytes = Event(rich).SerializeAsString();
  for (auto _ : state) {
    wire::TrackRequest wire;
    if (!wire.ParseFromString(bytes)) std::abort();
    v1::TrackRequest request;
    FieldViolations violations = DecodeWireRequest(wire, &request);
    benchmark::DoNotOptimize(violations.empty());
    benchmark::DoNotOptimize(request.user_id().data());
  }
  SetLabel(state, rich);
}
BENCHMARK_CAPTURE(BM_ParseAndDecode, seed, false);
BENCHMARK_CAPTURE(BM_ParseAndDecode, rich, true);

void BM_Validate(benchmark::State& state, bool rich) {
  const v1::TrackRequest request = Event(rich);
  const TimestampBounds bounds;
  for (auto _ : state) {
    FieldViolations violations = FindViolations(request, kNow, bounds);
    benchmark::DoNotOptimize(violations.empty());
  }
  SetLabel(state, rich);
}
BENCHMARK_CAPTURE(BM_Validate, seed, false);
BENCHMARK_CAPTURE(BM_Validate, rich, true);

// As the Tracker does it: into a new Record's empty string.
void BM_Encode(benchmark::State& state, bool rich) {
  const v1::TrackRequest request = Event(rich);
  for (auto _ : state) {
    std::string json;
    AppendDocumentedJson(request, &json);
    benchmark::DoNotOptimize(json.data());
  }
  SetLabel(state, rich);
}
BENCHMARK_CAPTURE(BM_Encode, seed, false);
BENCHMARK_CAPTURE(BM_Encode, rich, true);

// trackctl's side: one line of documented JSON back into a request
// (common/json_decoder.h), which trackctl runs once per input event.
void BM_DecodeDocumentedJson(benchmark::State& state, bool rich) {
  const std::string json = EncodeDocumentedJson(Event(rich));
  for (auto _ : state) {
    auto request = DecodeDocumentedJson(json);
    if (!request.ok()) std::abort();
    benchmark::DoNotOptimize(request->user_id().data());
  }
  SetLabel(state, rich);
}
BENCHMARK_CAPTURE(BM_DecodeDocumentedJson, seed, false);
BENCHMARK_CAPTURE(BM_DecodeDocumentedJson, rich, true);

// The three stages in a row, as Tracker::Prepare runs them.
void BM_Prepare(benchmark::State& state, bool rich) {
  const wire::TrackRequest wire = ToWire(Event(rich));
  const TimestampBounds bounds;
  for (auto _ : state) {
    v1::TrackRequest request;
    FieldViolations violations = DecodeWireRequest(wire, &request);
    if (violations.empty()) violations = FindViolations(request, kNow, bounds);
    std::string json;
    if (violations.empty()) {
      AppendDocumentedJson(request, &json);
      violations = CheckEncodedSize(json.size());
    }
    benchmark::DoNotOptimize(violations.empty());
    benchmark::DoNotOptimize(json.data());
  }
  SetLabel(state, rich);
}
BENCHMARK_CAPTURE(BM_Prepare, seed, false);
BENCHMARK_CAPTURE(BM_Prepare, rich, true);

// Parse, then BM_Prepare's stages.
void BM_ParseAndPrepare(benchmark::State& state, bool rich) {
  const std::string bytes = Event(rich).SerializeAsString();
  const TimestampBounds bounds;
  for (auto _ : state) {
    wire::TrackRequest wire;
    if (!wire.ParseFromString(bytes)) std::abort();
    v1::TrackRequest request;
    FieldViolations violations = DecodeWireRequest(wire, &request);
    if (violations.empty()) violations = FindViolations(request, kNow, bounds);
    std::string json;
    if (violations.empty()) {
      AppendDocumentedJson(request, &json);
      violations = CheckEncodedSize(json.size());
    }
    benchmark::DoNotOptimize(violations.empty());
    benchmark::DoNotOptimize(json.data());
  }
  SetLabel(state, rich);
}
BENCHMARK_CAPTURE(BM_ParseAndPrepare, seed, false);
BENCHMARK_CAPTURE(BM_ParseAndPrepare, rich, true);

}  // namespace
}  // namespace trackd::bench
