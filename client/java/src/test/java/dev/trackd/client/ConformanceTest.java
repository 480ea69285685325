package dev.trackd.client;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.util.JsonFormat;
import dev.trackd.v1.TrackBatchRequest;
import dev.trackd.v1.TrackBatchResponse;
import dev.trackd.v1.TrackBatchResult;
import dev.trackd.v1.TrackRequest;
import dev.trackd.v1.TrackResponse;
import dev.trackd.v1.TrackServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The conformance corpus (tests/contract/cases/, format in its README) against a live trackd:
 * {@code TRACKD_TARGET=127.0.0.1:PORT TRACKD_CORPUS=PATH/TO/cases mvn test -Dtest=ConformanceTest}.
 * Sends every case as a dry run (validate_only) through the generated stub and compares the
 * verdict with the case's "expect". Skipped without TRACKD_TARGET, so {@code mvn test} needs no
 * server; tests/contract/conformance_java.sh runs it.
 */
class ConformanceTest {
  private static JsonArray fields(List<Violation> violations) {
    JsonArray out = new JsonArray();
    violations.forEach(v -> out.add(v.field()));
    return out;
  }

  private static JsonObject refused(StatusRuntimeException error) {
    JsonObject verdict = new JsonObject();
    verdict.addProperty("code", error.getStatus().getCode().name());
    verdict.add("violations", fields(TrackClient.violationsOf(error)));
    return verdict;
  }

  private static JsonObject trackVerdict(TrackServiceGrpc.TrackServiceBlockingStub stub,
      JsonObject request) throws Exception {
    TrackRequest.Builder builder = TrackRequest.newBuilder();
    JsonFormat.parser().merge(request.toString(), builder);
    TrackResponse response;
    try {
      response = stub.track(builder.setValidateOnly(true).build());
    } catch (StatusRuntimeException error) {
      return refused(error);
    }
    JsonObject verdict = new JsonObject();
    verdict.addProperty("code", "OK");
    verdict.addProperty("message_id", response.getMessageId());
    verdict.addProperty("documented_json", response.getDocumentedJson());
    if (response.getDuplicate()) verdict.addProperty("duplicate", true);
    return verdict;
  }

  private static JsonObject batchVerdict(TrackServiceGrpc.TrackServiceBlockingStub stub,
      JsonObject batch) throws Exception {
    TrackBatchRequest.Builder builder = TrackBatchRequest.newBuilder();
    JsonFormat.parser().merge(batch.toString(), builder);
    TrackBatchResponse response;
    try {
      response = stub.trackBatch(builder.setValidateOnly(true).build());
    } catch (StatusRuntimeException error) {
      return refused(error);
    }
    JsonArray results = new JsonArray();
    for (TrackBatchResult r : response.getResultsList()) {
      JsonObject result = new JsonObject();
      String outcome = r.getOutcome().name().replaceFirst("^OUTCOME_", "");
      result.addProperty("outcome", outcome);
      result.addProperty("message_id", r.getMessageId());
      if (outcome.equals("ACCEPTED") || !r.getDocumentedJson().isEmpty()) {
        result.addProperty("documented_json", r.getDocumentedJson());
      }
      if (outcome.equals("REJECTED") || r.getViolationsCount() > 0) {
        JsonArray violations = new JsonArray();
        r.getViolationsList().forEach(v -> violations.add(v.getField()));
        result.add("violations", violations);
      }
      results.add(result);
    }
    JsonObject verdict = new JsonObject();
    verdict.addProperty("code", "OK");
    verdict.add("results", results);
    return verdict;
  }

  /** A message_id the case leaves out was assigned by the server: it must only be non-empty. */
  private static void forgetAssignedId(JsonElement expect, JsonObject seen) {
    if (expect == null || !expect.isJsonObject() || expect.getAsJsonObject().has("message_id")
        || !seen.has("message_id") || seen.get("message_id").getAsString().isEmpty()) {
      return;
    }
    if (seen.has("outcome") || "OK".equals(seen.get("code").getAsString())) {
      seen.remove("message_id");
    }
  }

  @Test
  void everyCaseHasItsVerdictAsADryRun() throws Exception {
    String target = System.getenv().getOrDefault("TRACKD_TARGET", "");
    assumeTrue(!target.isEmpty(), "set TRACKD_TARGET to a live trackd");
    Path corpus = Path.of(System.getenv().getOrDefault("TRACKD_CORPUS", "../../tests/contract/cases"));
    List<JsonObject> cases = new ArrayList<>();
    try (Stream<Path> files = Files.list(corpus)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonArray()
            .forEach(c -> cases.add(c.getAsJsonObject()));
      }
    }
    assertTrue(cases.size() >= 60, "the corpus in " + corpus + " holds " + cases.size() + " cases");
    ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    List<String> failures = new ArrayList<>();
    try {
      for (JsonObject c : cases) {
        TrackServiceGrpc.TrackServiceBlockingStub stub =
            TrackServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        JsonObject expect = c.getAsJsonObject("expect");
        JsonObject seen;
        if (c.has("batch")) {
          seen = batchVerdict(stub, c.getAsJsonObject("batch"));
          JsonArray expected = expect.has("results") ? expect.getAsJsonArray("results") : new JsonArray();
          JsonArray results = seen.has("results") ? seen.getAsJsonArray("results") : new JsonArray();
          for (int i = 0; i < results.size() && i < expected.size(); i++) {
            forgetAssignedId(expected.get(i), results.get(i).getAsJsonObject());
          }
        } else {
          seen = trackVerdict(stub, c.getAsJsonObject("request"));
          forgetAssignedId(expect, seen);
        }
        if (!seen.equals(expect)) {
          failures.add(c.get("name").getAsString() + "\n  expected: " + expect + "\n  observed: " + seen);
        }
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (!failures.isEmpty()) {
      fail(failures.size() + " cases differ:\n" + String.join("\n", failures));
    }
  }
}
