import { getHeapSpaceStatistics } from 'node:v8';

const mb = (n: number) => Math.round(n / 104857.6) / 10;

/** One line: where the process's memory is (V8 heap vs buffers/native). */
function memoryLine(label: string): string {
  const m = process.memoryUsage();
  // V8's young generation: it grows to 2 x --max-semi-space-size under handshake load and its pages stay resident
  const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  return `${label} rss=${mb(m.rss)} heapTotal=${mb(m.heapTotal)} heapUsed=${mb(m.heapUsed)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)} newSpace=${mb(newSpace)} MB`;
}

/**
 * On SIGUSR2, print where the process's memory is for the bench's RSS lines; with
 * MEMORY_SAMPLE_MS=n, also a `sample` line every n ms (how it moves under a load);
 * SIGTERM/SIGINT exit through process.exit so --cpu-prof gets to write its profile.
 */
export function reportMemoryOnSignal(): void {
  process.on('SIGUSR2', () => {
    // with --expose-gc, collect first so the line shows what is retained rather than not yet collected
    (globalThis as { gc?: () => void }).gc?.();
    console.log(memoryLine('memory'));
  });
  const every = Number(process.env.MEMORY_SAMPLE_MS);
  if (every > 0) setInterval(() => console.log(memoryLine(`sample t=${Math.round(performance.now())}`)), every).unref();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
}
