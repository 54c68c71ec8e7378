/**
 * Minimal Node TLS server (tls.createServer, same ECDSA fullchain as the door) answering every request
 * with a fixed 200: the control for the door's memory after many handshakes (bench/tls-memory.sh).
 *
 * usage: node bench/tls-echo-server.ts <port> <key.pem> <fullchain.pem>
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';
import { reportMemoryOnSignal } from './memory-report.ts';

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
reportMemoryOnSignal();
