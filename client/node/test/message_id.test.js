// newMessageId: UUIDv7 text like the C++ client's NewMessageId.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { newMessageId } = require('..');

const allBits = (n) => Buffer.alloc(n, 0xff);
const noBits = (n) => Buffer.alloc(n, 0x00);

test('newMessageId puts the milliseconds in the first 48 bits', () => {
  assert.strictEqual(newMessageId(0x0123456789ab, noBits), '01234567-89ab-7000-8000-000000000000');
});

test('newMessageId sets version 7 and variant 10 over random bits', () => {
  assert.strictEqual(newMessageId(0, allBits), '00000000-0000-7fff-bfff-ffffffffffff');
});

test('newMessageId fills the other 74 bits from the random source', () => {
  const counting = (n) => Buffer.from(Array.from({ length: n }, (_, i) => i + 1));
  assert.strictEqual(newMessageId(0, counting), '00000000-0000-7102-8304-05060708090a');
});

test('newMessageId gives distinct ids within one millisecond', () => {
  assert.notStrictEqual(newMessageId(1700000000000), newMessageId(1700000000000));
});
