/**
 * Reference subjects for `npm run bench`, to tell a cost of the door's design from a cost of Node:
 *   PIPE=tls (default): tls.createServer + a raw byte pipe to the HTTP backend, no HTTP parsing —
 *                       the cheapest Node TLS terminator (SUBJECTS=... node-pipe);
 *   PIPE=tcp:           a raw TCP pipe to the TLS origin, what the door's passthrough route does
 *                       minus the ClientHello peek (PASS_SUBJECTS=... node-tcp).
 * HWM=<bytes> sets the stream highWaterMark of both sockets (Node's default is 16 KiB; 64 KiB reads).
 *
 * usage: node bench/pipe-server.ts <port> <upstreamPort> <passthroughPort> <key.pem> <fullchain.pem>
 */
import { readFileSync } from 'node:fs';
import { connect, createServer as createNetServer } from 'node:net';
import type { Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { pipeline } from 'node:stream';

const [port, upstreamPort, passthroughPort, keyFile, certFile] = process.argv.slice(2);
if (!port || !upstreamPort || !passthroughPort || !keyFile || !certFile) {
  console.error('pipe-server: missing arguments; usage: pipe-server.ts <port> <upstreamPort> <passthroughPort> <key.pem> <cert.pem>');
  process.exit(2);
}
const hwm = process.env['HWM'] ? { highWaterMark: Number(process.env['HWM']) } : {};
const tcp = process.env['PIPE'] === 'tcp';

const pipeTo = (upPort: string) => (client: Socket) => {
  const up = connect({ port: Number(upPort), host: '127.0.0.1', noDelay: true, ...hwm });
  client.setNoDelay(true);
  // pipeline tears both sides down when either fails; errors are expected when clients hang up
  pipeline(client, up, client, () => {});
};
const server = tcp
  ? createNetServer({ noDelay: true, ...hwm }, pipeTo(passthroughPort))
  : createTlsServer({ key: readFileSync(keyFile), cert: readFileSync(certFile), minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'], ...hwm }, pipeTo(upstreamPort));
server.on('tlsClientError', () => {});
server.listen(Number(port), '127.0.0.1', () => console.log(`ready pid=${process.pid} port=${port} mode=${tcp ? 'tcp' : 'tls'}`));
// exit through process.exit so --cpu-prof gets to write its profile
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
