/**
 * Minimal Node TLS server (tls.createServer, same ECDSA fullchain as the door) answering every request
 * with a fixed 200: the control for the door's memory after many handshakes (bench/tls-memory.sh).
 *
 * usage: node bench/tls-echo-server.ts <port> <key.pem> <fullchain.pem>
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { createServer } from 'node:tls';

const [port, keyFile, certFile] = process.argv.slice(2);
if (!port || !keyFile || !certFile) {
  console.error('tls-echo-server: missing arguments; usage: tls-echo-server.ts <port> <key.pem> <fullchain.pem>');
  process.exit(2);
}
const body = 'x'.repeat(200);
const reply = `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (socket) => {
  socket.once('data', () => socket.end(reply));
  socket.on('error', () => socket.destroy());
});
server.listen(Number(port), '127.0.0.1', () => console.log(`ready pid=${process.pid} port=${port}`));
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
