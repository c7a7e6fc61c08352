import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DurationError, formatDuration, isDuration, parseDuration } from '../../src/lib/duration.js';
import { isByteSize, parseByteSize } from '../../src/config/byte-size.js';

describe('parseDuration', () => {
  const table: Array<[string, number]> = [
    ['0', 0],
    ['0s', 0],
    ['1h', 3_600_000],
    ['15m', 900_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['10s', 10_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1m30s', 90_000],
    ['24h', 86_400_000],
    ['2h45m30s250ms', 9_930_250],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['1500μs', 1.5],
    ['2000000ns', 2],
    ['-1m', -60_000],
    ['+1m', 60_000],
  ];
  for (const [input, ms] of table) {
    it(`reads ${input} as ${ms} ms`, () => {
      assert.equal(parseDuration(input), ms);
    });
  }

  for (const bad of ['', 'abc', '1', '10', 'h', '1x', '1hour', '1 h', '1h 30m', '1h-30m', '--1h', '1.2.3s', 'ms']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseDuration(bad), DurationError);
      assert.equal(isDuration(bad), false);
    });
  }

  it('names the bad input in its error', () => {
    assert.throws(() => parseDuration('5 minutes'), /invalid duration "5 minutes"/);
  });

  it('isDuration refuses negative durations', () => {
    assert.equal(isDuration('-1s'), false);
    assert.equal(isDuration('1s'), true);
  });
});

describe('formatDuration', () => {
  const table: Array<[number, string]> = [
    [0, '0s'],
    [500, '500ms'],
    [1000, '1s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [86_400_000, '24h'],
    [1.5, '1ms500us'],
    [0.000_001, '1ns'],
    [-60_000, '-1m'],
    [400 * 86_400_000 + 1, '9600h1ms'],
  ];
  for (const [ms, text] of table) {
    it(`writes ${ms} ms as ${text} and reads it back`, () => {
      assert.equal(formatDuration(ms), text);
      assert.equal(parseDuration(text), ms);
    });
  }

  it('rejects non-finite input', () => {
    assert.throws(() => formatDuration(Number.NaN), RangeError);
  });
});

describe('parseByteSize', () => {
  it('uses binary multiples as Kratos does', () => {
    assert.equal(parseByteSize('128MB'), 128 * 1024 * 1024);
    assert.equal(parseByteSize('1GB'), 1024 ** 3);
    assert.equal(parseByteSize('64KB'), 65_536);
    assert.equal(parseByteSize('10B'), 10);
    assert.equal(parseByteSize('1.5KB'), 1536);
    assert.equal(parseByteSize('128mb'), 128 * 1024 * 1024);
  });
  it('rejects garbage', () => {
    for (const bad of ['', 'MB', '128', '128 megabytes', '-1MB', '1ZB']) {
      assert.equal(isByteSize(bad), false, bad);
      assert.throws(() => parseByteSize(bad), /invalid byte size/);
    }
  });
});
