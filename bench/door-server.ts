/**
 * Portico's door as a bench subject: one HTTPS listener terminating plex.example.test (ECDSA P-256
 * fullchain) and proxying to the nginx backend; *.plex.direct names pass through to the nginx TLS origin.
 * Started (pinned) by bench/run.sh; prints one `ready` line once it listens.
 *
 * usage: node bench/door-server.ts <port> <upstreamPort> <passthroughPort> <key.pem> <fullchain.pem>
 */
import { readFileSync } from 'node:fs';
import { Door } from '../main/core/proxy/door.ts';
import { ChallengeStore } from '../main/core/certs/challenge-store.ts';
import { silentLogger } from '../main/core/support/logger.ts';
import { reportMemoryOnSignal } from './memory-report.ts';

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
reportMemoryOnSignal();
