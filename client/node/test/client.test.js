// TrackClient's pure parts: the deadline of each call, the retry policy, its target check.
// No call is made: grpc-js connects only when a call starts.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { TrackClient, SERVICE_CONFIG, channelOptionsOf } = require('..');

test('every call gets a deadline deadlineMs after the client clock\'s now', () => {
  let nowMs = 1000;
  const client = new TrackClient('127.0.0.1:50051', { deadlineMs: 2500, now: () => nowMs });
  assert.strictEqual(client.callOptions().deadline.getTime(), 3500);
  nowMs = 5000;
  assert.strictEqual(client.callOptions().deadline.getTime(), 7500);
  client.close();
});

test('the default deadline is ten seconds', () => {
  const client = new TrackClient('127.0.0.1:50051', { now: () => 0 });
  assert.strictEqual(client.callOptions().deadline.getTime(), 10000);
  client.close();
});

test('the shared retry policy retries UNAVAILABLE and RESOURCE_EXHAUSTED up to 5 attempts', () => {
  const [methodConfig] = JSON.parse(SERVICE_CONFIG).methodConfig;
  assert.deepStrictEqual(methodConfig.name, [{ service: 'trackd.v1.TrackService' }]);
  assert.strictEqual(methodConfig.retryPolicy.maxAttempts, 5);
  assert.deepStrictEqual(methodConfig.retryPolicy.retryableStatusCodes.sort(),
                         ['RESOURCE_EXHAUSTED', 'UNAVAILABLE']);
});

test('the channel carries the shared retry policy unless told otherwise', () => {
  assert.deepStrictEqual(channelOptionsOf(), { 'grpc.service_config': SERVICE_CONFIG });
  assert.deepStrictEqual(channelOptionsOf({ serviceConfig: '' }), {});
  assert.deepStrictEqual(
      channelOptionsOf({ serviceConfig: '{}', channelOptions: { 'grpc.keepalive_time_ms': 1 } }),
      { 'grpc.service_config': '{}', 'grpc.keepalive_time_ms': 1 });
});

test('a bearer token goes into every call\'s authorization header', () => {
  const client = new TrackClient('127.0.0.1:50051', { bearerToken: 's3cret' });
  assert.deepStrictEqual(client.metadata.get('authorization'), ['Bearer s3cret']);
  client.close();
  const anonymous = new TrackClient('127.0.0.1:50051');
  assert.deepStrictEqual(anonymous.metadata.get('authorization'), []);
  anonymous.close();
});

test('TrackClient refuses an empty target', () => {
  assert.throws(() => new TrackClient(''), TypeError);
  assert.throws(() => new TrackClient(), TypeError);
});

// A stand-in for the generated stub that records each call and answers with `answer`.
function fakeStub(answer) {
  const calls = [];
  const call = (method) => (request, metadata, options, callback) => {
    calls.push({ method, request, metadata, options });
    setImmediate(() => callback(answer.error ?? null, answer.error ? undefined : answer.response));
  };
  return { calls, Track: call('Track'), TrackBatch: call('TrackBatch'), close() {} };
}

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('track sends the event with message_id and timestamp filled and a deadline', async () => {
  const client = new TrackClient('127.0.0.1:50051', { now: () => 1698885008276, bearerToken: 't' });
  client.stub.close();
  client.stub = fakeStub({ response: { message_id: 'm', duplicate: false } });
  assert.deepStrictEqual(await client.track({ user_id: 'u1' }), { message_id: 'm', duplicate: false });
  const [{ method, request, metadata, options }] = client.stub.calls;
  assert.strictEqual(method, 'Track');
  assert.match(request.message_id, UUID7);
  assert.strictEqual(request.message_id.slice(0, 13), '018b8d6f-fb94');  // 1698885008276 ms.
  assert.deepStrictEqual(request.timestamp, { seconds: 1698885008, nanos: 276e6 });
  assert.strictEqual(options.deadline.getTime(), 1698885008276 + 10000);
  assert.deepStrictEqual(metadata.get('authorization'), ['Bearer t']);
});

test('trackBatch fills every item\'s message_id and timestamp', async () => {
  const client = new TrackClient('127.0.0.1:50051', { now: () => 5000 });
  client.stub.close();
  client.stub = fakeStub({ response: { results: [] } });
  await client.trackBatch({ requests: [{ user_id: 'a' }, { user_id: 'b', message_id: 'kept' }] });
  const [{ method, request }] = client.stub.calls;
  assert.strictEqual(method, 'TrackBatch');
  assert.match(request.requests[0].message_id, UUID7);
  assert.strictEqual(request.requests[1].message_id, 'kept');
  assert.deepStrictEqual(request.requests.map((r) => r.timestamp),
                         [{ seconds: 5, nanos: 0 }, { seconds: 5, nanos: 0 }]);
});

test('a failed call rejects with the gRPC error itself', async () => {
  const client = new TrackClient('127.0.0.1:50051');
  client.stub.close();
  const error = Object.assign(new Error('3 INVALID_ARGUMENT'), { code: 3 });
  client.stub = fakeStub({ error });
  await assert.rejects(client.track({}), (thrown) => thrown === error);
});
