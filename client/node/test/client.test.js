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
