/**
 * "Did you mean …?" for unknown config keys. Plain edit distance alone picks the wrong key for
 * shortened typos (`htps` is 2 edits from `hsts` but means `httpsPorts`), so a key is scored by
 * its closest prefix: a typo of the start of a long key counts as near, and the whole-key distance
 * only breaks ties.
 */

/** The known key a mistyped one most likely meant, or null when none is close enough to suggest. */
export function nearestKey(typed: string, known: readonly string[]): string | null {
  const t = typed.toLowerCase();
  // Allow one edit per three typed characters: "mod" → "mode", "tokn" → "token", "x" → nothing.
  const limit = Math.floor(t.length / 3);
  let best: { key: string; prefix: number; whole: number } | null = null;
  for (const key of known) {
    const row = lastRow(t, key.toLowerCase());
    const prefix = Math.min(...row.slice(1));
    const whole = row.at(-1)!;
    if (prefix > limit) continue;
    if (!best || prefix < best.prefix || (prefix === best.prefix && whole < best.whole)) best = { key, prefix, whole };
  }
  return best?.key ?? null;
}

/**
 * Last row of the edit-distance table (optimal string alignment: a swap of two neighbours is one
 * edit, `prot` → `port`): entry j is the distance from `a` to the first j letters of `b`.
 */
function lastRow(a: string, b: string): number[] {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j]!, before[j - 2]! + 1);
    }
    before = prev;
    prev = cur;
  }
  return prev;
}
