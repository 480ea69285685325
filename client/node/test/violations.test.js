// violationsOf: google.rpc.BadRequest from the grpc-status-details-bin trailer, as data.
'use strict';
const path = require('node:path');
const test = require('node:test');
const assert = require('node:assert');
const protobuf = require('protobufjs');
const { violationsOf, grpc, PROTO_DIR } = require('..');

const root = new protobuf.Root();
root.resolvePath = (origin, target) => path.join(PROTO_DIR, target);
root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
const Status = root.lookupType('google.rpc.Status');
const BadRequest = root.lookupType('google.rpc.BadRequest');
const RetryInfo = root.lookupType('google.rpc.RetryInfo');

function any(type, message) {
  return { type_url: `type.googleapis.com/${type.fullName.slice(1)}`,
           value: type.encode(type.fromObject(message)).finish() };
}

// A ServiceError as grpc-js hands it over, with the given google.rpc.Status details.
function errorWithDetails(details) {
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(Status.encode(Status.fromObject({
    code: grpc.status.INVALID_ARGUMENT, message: 'invalid event', details,
  })).finish()));
  return Object.assign(new Error('3 INVALID_ARGUMENT: invalid event'),
                       { code: grpc.status.INVALID_ARGUMENT, details: 'invalid event', metadata });
}

test('violationsOf lists BadRequest field violations as field and description, in order', () => {
  const error = errorWithDetails([any(BadRequest, { field_violations: [
    { field: 'user_id', description: 'must not be empty' },
    { field: 'account_added_user.user_email', description: 'must be an e-mail address' },
  ] })]);
  assert.deepStrictEqual(violationsOf(error), [
    { field: 'user_id', description: 'must not be empty' },
    { field: 'account_added_user.user_email', description: 'must be an e-mail address' },
  ]);
});

test('violationsOf skips details of other types', () => {
  const error = errorWithDetails([
    any(RetryInfo, { retry_delay: { seconds: 1 } }),
    any(BadRequest, { field_violations: [{ field: 'group_id', description: 'is required' }] }),
  ]);
  assert.deepStrictEqual(violationsOf(error), [{ field: 'group_id', description: 'is required' }]);
});

test('violationsOf is empty for an error without status details', () => {
  const error = Object.assign(new Error('14 UNAVAILABLE'),
                              { code: grpc.status.UNAVAILABLE, metadata: new grpc.Metadata() });
  assert.deepStrictEqual(violationsOf(error), []);
});

test('violationsOf is empty for something that is not a gRPC error', () => {
  assert.deepStrictEqual(violationsOf(new TypeError('oops')), []);
  assert.deepStrictEqual(violationsOf(undefined), []);
});
