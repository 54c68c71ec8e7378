import { getHeapSpaceStatistics } from 'node:v8';

/**
 * On SIGUSR2, print where the process's memory is (V8 heap vs buffers/native) for the bench's RSS
 * lines; SIGTERM/SIGINT exit through process.exit so --cpu-prof gets to write its profile.
 */
export function reportMemoryOnSignal(): void {
  process.on('SIGUSR2', () => {
    // with --expose-gc, collect first so the line shows what is retained rather than not yet collected
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    // V8's young generation: it grows to 2 x --max-semi-space-size under handshake load and its pages stay resident
    const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
    const mb = (n: number) => Math.round(n / 104857.6) / 10;
    console.log(`memory rss=${mb(m.rss)} heapTotal=${mb(m.heapTotal)} heapUsed=${mb(m.heapUsed)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)} newSpace=${mb(newSpace)} MB`);
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
}
