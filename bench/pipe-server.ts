/**
 * Reference subject for `npm run bench` (SUBJECTS=... node-pipe): the cheapest possible Node TLS
 * terminator, tls.createServer + a raw byte pipe to the backend, no HTTP parsing. It shows what this
 * Node build can do on this machine, i.e. the ceiling a Node door works under.
 *
 * usage: node bench/pipe-server.ts <port> <upstreamPort> <passthroughPort> <key.pem> <fullchain.pem>
 * (passthroughPort is accepted for argument parity with door-server.ts and ignored).
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { createServer } from 'node:tls';
import { pipeline } from 'node:stream';

const [port, upstreamPort, , keyFile, certFile] = process.argv.slice(2);
if (!port || !upstreamPort || !keyFile || !certFile) {
  console.error('pipe-server: missing arguments; usage: pipe-server.ts <port> <upstreamPort> <passthroughPort> <key.pem> <cert.pem>');
  process.exit(2);
}

const server = createServer({
  key: readFileSync(keyFile), cert: readFileSync(certFile), minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'],
}, (client) => {
  const up = connect({ port: Number(upstreamPort), host: '127.0.0.1', noDelay: true });
  client.setNoDelay(true);
  // pipeline tears both sides down when either fails; errors are expected when clients hang up
  pipeline(client, up, client, () => {});
});
server.on('tlsClientError', () => {});
server.listen(Number(port), '127.0.0.1', () => console.log(`ready pid=${process.pid} port=${port}`));
// exit through process.exit so --cpu-prof gets to write its profile
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
