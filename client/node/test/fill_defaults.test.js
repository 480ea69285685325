// fillDefaults: message_id and timestamp filled before the first attempt.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { fillDefaults, timestampOfMs } = require('..');

const NOW_MS = Date.parse('2026-01-02T03:04:05.678Z');  // 0x019b7ca98f2e ms
const noBits = (n) => Buffer.alloc(n, 0x00);

test('fillDefaults gives an empty message_id a UUIDv7 of the current time', () => {
  const filled = fillDefaults({ user_id: 'u1' }, NOW_MS, noBits);
  assert.strictEqual(filled.message_id, '019b7ca9-8f2e-7000-8000-000000000000');
  assert.strictEqual(filled.user_id, 'u1');
});

test('fillDefaults keeps a message_id the caller set', () => {
  assert.strictEqual(fillDefaults({ message_id: 'm-1' }, NOW_MS).message_id, 'm-1');
});

test('fillDefaults sets an unset timestamp to the current time', () => {
  assert.deepStrictEqual(fillDefaults({}, NOW_MS).timestamp, { seconds: 1767323045, nanos: 678e6 });
  assert.deepStrictEqual(fillDefaults({ timestamp: null }, NOW_MS).timestamp,
                         { seconds: 1767323045, nanos: 678e6 });
});

test('fillDefaults turns a Date timestamp into seconds and nanos', () => {
  const filled = fillDefaults({ timestamp: new Date('2023-11-02T00:30:08.276Z') }, NOW_MS);
  assert.deepStrictEqual(filled.timestamp, { seconds: 1698885008, nanos: 276e6 });
});

test('fillDefaults keeps a timestamp given as seconds and nanos', () => {
  const timestamp = { seconds: '1698885008', nanos: 5 };
  assert.strictEqual(fillDefaults({ timestamp }, NOW_MS).timestamp, timestamp);
});

test('fillDefaults leaves the caller\'s object unchanged', () => {
  const request = { user_id: 'u1' };
  fillDefaults(request, NOW_MS);
  assert.deepStrictEqual(request, { user_id: 'u1' });
});

test('timestampOfMs rounds times before the epoch down to whole seconds', () => {
  assert.deepStrictEqual(timestampOfMs(-1), { seconds: -1, nanos: 999e6 });
});
