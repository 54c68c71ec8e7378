/**
 * The window remembers its size across starts: <userData>/window-state.json, read defensively
 * (a hand-edited or truncated file, or a size from a larger monitor, falls back or is clamped).
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/support/atomic-file.ts';

export interface WindowSize { width: number; height: number }

export const DEFAULT_WINDOW_SIZE: WindowSize = { width: 1100, height: 800 };
export const MIN_WINDOW_SIZE: WindowSize = { width: 480, height: 400 };

/** A saved size made safe for the screen it opens on (the work area of the primary display). */
export function restoredWindowSize(saved: unknown, workArea: WindowSize): WindowSize {
  const s = saved as Partial<WindowSize> | null;
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;
  const want = s && ok(s.width) && ok(s.height) ? { width: s.width, height: s.height } : DEFAULT_WINDOW_SIZE;
  const clamp = (v: number, min: number, max: number) => Math.round(Math.max(min, Math.min(v, Math.max(min, max))));
  return { width: clamp(want.width, MIN_WINDOW_SIZE.width, workArea.width), height: clamp(want.height, MIN_WINDOW_SIZE.height, workArea.height) };
}

export async function readWindowSize(file: string, workArea: WindowSize): Promise<WindowSize> {
  let saved: unknown = null;
  try {
    saved = JSON.parse(await readFile(file, 'utf8'));
  } catch { /* missing or unreadable: the default size */ }
  return restoredWindowSize(saved, workArea);
}

export function writeWindowSize(file: string, size: WindowSize): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify({ width: size.width, height: size.height })}\n`);
}
