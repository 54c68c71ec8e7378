/**
 * A STUN server (RFC 5389 Binding) on 127.0.0.1 UDP, standing in for stun.l.google.com & co.
 * Answers with XOR-MAPPED-ADDRESS of the sender (or of `reportAddress`, to play a public address
 * behind NAT), 400 Bad Request for malformed requests, or a configured error / silence.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';

const MAGIC = 0x2112a442;

export interface StunStandIn {
  port: number;
  requests: number;
  /** What to answer next: the mapped address, an error code, or nothing (dropped). */
  behaviour: { kind: 'answer'; reportAddress?: string } | { kind: 'error'; code: number; reason: string } | { kind: 'silent' };
  close(): Promise<void>;
}

function attr(type: number, value: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(value.length, 2);
  return Buffer.concat([h, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

function message(type: number, tid: Buffer, attrs: Buffer[]): Buffer {
  const body = Buffer.concat(attrs);
  const h = Buffer.alloc(20);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(body.length, 2);
  h.writeUInt32BE(MAGIC, 4);
  tid.copy(h, 8);
  return Buffer.concat([h, body]);
}

function errorAttr(code: number, reason: string): Buffer {
  const v = Buffer.concat([Buffer.from([0, 0, Math.floor(code / 100), code % 100]), Buffer.from(reason, 'utf8')]);
  return attr(0x0009, v);
}

export async function startStunStandIn(opts: { host?: string; port?: number } = {}): Promise<StunStandIn> {
  const s = createSocket('udp4');
  const st: StunStandIn = {
    port: 0, requests: 0, behaviour: { kind: 'answer' },
    close: () => new Promise((r) => s.close(() => r())),
  };
  s.on('message', (m: Buffer, rinfo: RemoteInfo) => {
    st.requests++;
    // Not STUN at all (first two bits must be 0, magic cookie): ignore, as real servers do.
    if (m.length < 20 || (m[0]! & 0xc0) !== 0 || m.readUInt32BE(4) !== MAGIC) return;
    const tid = m.subarray(8, 20);
    const reply = (b: Buffer) => s.send(b, rinfo.port, rinfo.address);
    if (m.readUInt16BE(0) !== 0x0001 || m.readUInt16BE(2) !== m.length - 20) return reply(message(0x0111, tid, [errorAttr(400, 'Bad Request')]));
    const b = st.behaviour;
    if (b.kind === 'silent') return;
    if (b.kind === 'error') return reply(message(0x0111, tid, [errorAttr(b.code, b.reason)]));
    const ip = (b.reportAddress ?? rinfo.address).split('.').map(Number);
    const v = Buffer.alloc(8);
    v[1] = 0x01;
    v.writeUInt16BE(rinfo.port ^ (MAGIC >>> 16), 2);
    for (let i = 0; i < 4; i++) v[4 + i] = ip[i]! ^ ((MAGIC >>> (24 - 8 * i)) & 0xff);
    reply(message(0x0101, tid, [attr(0x0020, v), attr(0x8022, Buffer.from('portico stun stand-in'))]));
  });
  await new Promise<void>((r) => s.bind(opts.port ?? 0, opts.host ?? '127.0.0.1', () => r()));
  st.port = s.address().port;
  return st;
}
