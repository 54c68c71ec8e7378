/**
 * Portico's door as a bench subject: one HTTPS listener terminating plex.example.test (ECDSA P-256
 * fullchain) and proxying to the nginx backend; every other SNI passes through to the nginx TLS origin.
 * Started (pinned) by bench/run.sh; prints one `ready` line once it listens.
 *
 * usage: node bench/door-server.ts <port> <upstreamPort> <passthroughPort> <key.pem> <fullchain.pem>
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { Door } from '../main/core/proxy/door.ts';
import { ChallengeStore } from '../main/core/challenge-store.ts';
import { silentLogger } from '../main/core/logger.ts';

const [port, upstreamPort, passthroughPort, keyFile, certFile] = process.argv.slice(2);
if (!port || !upstreamPort || !passthroughPort || !keyFile || !certFile) {
  console.error('door-server: missing arguments; usage: door-server.ts <port> <upstreamPort> <passthroughPort> <key.pem> <fullchain.pem>');
  process.exit(2);
}

const door = new Door({
  bind: '127.0.0.1',
  httpsPorts: [Number(port)],
  httpPort: null,
  publicHttpsPort: 443,
  routes: [{ host: 'plex.example.test', upstream: `http://127.0.0.1:${upstreamPort}` }],
  passthrough: { host: '127.0.0.1', port: Number(passthroughPort) },
  challenges: new ChallengeStore(),
  logger: silentLogger,
});
await door.start();
door.setCertificate(['plex.example.test'], { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') }, 'real');
console.log(`ready pid=${process.pid} port=${port}`);
// SIGUSR2: where the memory is (V8 heap vs buffers/native), for the RSS line of the summary
process.on('SIGUSR2', () => {
  // with --expose-gc, collect first so the line shows what is retained rather than not yet collected
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  // V8's young generation: it grows to 2 x --max-semi-space-size under handshake load and its pages stay resident
  const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  const mb = (n: number) => Math.round(n / 104857.6) / 10;
  console.log(`memory rss=${mb(m.rss)} heapTotal=${mb(m.heapTotal)} heapUsed=${mb(m.heapUsed)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)} newSpace=${mb(newSpace)} MB`);
});
// exit through process.exit so --cpu-prof gets to write its profile; the bench has no streams to drain
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
