import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDate } from '../../main/cli/format-date.ts';

test('CLI dates: local time to the minute with the offset, no milliseconds, no "T…Z"', () => {
  assert.equal(formatDate('2027-01-30T13:05:59.123Z', 60), '2027-01-30 14:05 +01:00');
  assert.equal(formatDate('2027-01-30T02:30:00.000Z', -330), '2027-01-29 21:00 -05:30');
  assert.equal(formatDate('2027-01-30T13:05:00Z', 0), '2027-01-30 13:05 +00:00');
  // The machine's own zone when none is given: the same instant, shown in its offset.
  assert.match(formatDate('2027-01-30T13:05:00Z')!, /^2027-01-(29|30|31) \d\d:\d\d [+-]\d\d:\d\d$/);
  assert.equal(formatDate(undefined), undefined);
  assert.equal(formatDate('not a date'), 'not a date', 'shown as given rather than "Invalid Date"');
});
