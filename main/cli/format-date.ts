/**
 * Dates in the CLI's text output: local time to the minute with its UTC offset
 * ("2027-01-30 14:05 +01:00"), the way people read a clock; `--json` keeps ISO 8601 in UTC.
 */
export function formatDate(iso: string | undefined, tzOffsetMin?: number): string | undefined {
  if (iso === undefined) return undefined;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  // getTimezoneOffset is minutes *behind* UTC; the shown offset is the opposite.
  const offset = tzOffsetMin ?? -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${local.toISOString().slice(0, 16).replace('T', ' ')} ${sign}${hhmm}`;
}
