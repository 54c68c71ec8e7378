// Draws the app and tray icons as PNG/ICO with nothing but node:zlib, so they can be regenerated
// anywhere: `npx node scripts/make-icons.ts`. Shapes are signed-distance tests sampled 4x4 per
// pixel for anti-aliasing. Output is committed (resources/, renderer/assets/).
import { deflateSync, crc32 } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';

type RGBA = [number, number, number, number];
type Shape = (x: number, y: number) => boolean;
interface Layer { color: RGBA; shape: Shape }

const circle = (cx: number, cy: number, r: number): Shape => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const capsule = (ax: number, ay: number, bx: number, by: number, w: number): Shape => (x, y) => {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= (w / 2) ** 2;
};
const roundRect = (x0: number, y0: number, x1: number, y1: number, r: number): Shape => (x, y) => {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.max(x0 + r, Math.min(x1 - r, x)), cy = Math.max(y0 + r, Math.min(y1 - r, y));
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const union = (...s: Shape[]): Shape => (x, y) => s.some((f) => f(x, y));
const minus = (a: Shape, b: Shape): Shape => (x, y) => a(x, y) && !b(x, y);

function render(size: number, layers: Layer[]): Buffer {
  const px = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let pxi = 0; pxi < size; pxi++) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (const l of layers) {
        let cover = 0;
        for (let sy = 0; sy < n; sy++) for (let sx = 0; sx < n; sx++) if (l.shape((pxi + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size)) cover++;
        const la = (cover / (n * n)) * (l.color[3] / 255);
        if (la === 0) continue;
        // "over" compositing in premultiplied space, converted back below.
        const na = la + a * (1 - la);
        r = (l.color[0] * la + r * a * (1 - la)) / na;
        g = (l.color[1] * la + g * a * (1 - la)) / na;
        b = (l.color[2] * la + b * a * (1 - la)) / na;
        a = na;
      }
      const o = (py * size + pxi) * 4;
      px[o] = Math.round(r); px[o + 1] = Math.round(g); px[o + 2] = Math.round(b); px[o + 3] = Math.round(a * 255);
    }
  }
  return png(size, px);
}

function png(size: number, rgba: Buffer): Buffer {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** ICO with PNG-compressed entries (Windows Vista and later). */
function ico(images: { size: number; data: Buffer }[]): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt16LE(0, 0); head.writeUInt16LE(1, 2); head.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const dir = images.map(({ size, data }) => {
    const e = Buffer.alloc(16);
    e[0] = size >= 256 ? 0 : size; e[1] = size >= 256 ? 0 : size;
    e.writeUInt16LE(1, 4); e.writeUInt16LE(32, 6);
    e.writeUInt32LE(data.length, 8); e.writeUInt32LE(offset, 12);
    offset += data.length;
    return e;
  });
  return Buffer.concat([head, ...dir, ...images.map((i) => i.data)]);
}

const WHITE: RGBA = [255, 255, 255, 255];
const BLACK: RGBA = [0, 0, 0, 255];
const STATE_COLOR = { ok: [30, 142, 62, 255], warning: [230, 145, 0, 255], error: [210, 40, 40, 255], working: [70, 110, 220, 255] } satisfies Record<string, RGBA>;
type State = keyof typeof STATE_COLOR;

const GLYPH: Record<State, Shape> = {
  ok: union(capsule(0.29, 0.52, 0.44, 0.67, 0.13), capsule(0.44, 0.67, 0.72, 0.35, 0.13)),
  warning: union(capsule(0.5, 0.26, 0.5, 0.56, 0.14), circle(0.5, 0.73, 0.08)),
  error: union(capsule(0.33, 0.33, 0.67, 0.67, 0.13), capsule(0.67, 0.33, 0.33, 0.67, 0.13)),
  working: union(circle(0.28, 0.5, 0.08), circle(0.5, 0.5, 0.08), circle(0.72, 0.5, 0.08)),
};

/** The Portico mark: an arched doorway. */
const door = (x0: number, x1: number, top: number, bottom: number): Shape =>
  union(roundRect(x0, top + (x1 - x0) / 2, x1, bottom, 0.001), circle((x0 + x1) / 2, top + (x1 - x0) / 2, (x1 - x0) / 2));
const appLayers: Layer[] = [
  { color: [11, 92, 173, 255], shape: roundRect(0.06, 0.06, 0.94, 0.94, 0.2) },
  { color: WHITE, shape: minus(door(0.27, 0.73, 0.2, 0.8), door(0.37, 0.63, 0.3, 0.8)) },
  { color: [120, 210, 140, 255], shape: circle(0.5, 0.62, 0.07) },
];

const root = new URL('..', import.meta.url).pathname;
const out = (rel: string, data: Buffer) => { writeFileSync(`${root}${rel}`, data); };
mkdirSync(`${root}resources/tray`, { recursive: true });
mkdirSync(`${root}renderer/assets`, { recursive: true });

out('resources/icon.png', render(1024, appLayers));
out('resources/icon.ico', ico([16, 24, 32, 48, 64, 128, 256].map((s) => ({ size: s, data: render(s, appLayers) }))));
out('renderer/assets/icon.png', render(64, appLayers));

for (const state of Object.keys(STATE_COLOR) as State[]) {
  const color: Layer[] = [{ color: STATE_COLOR[state], shape: circle(0.5, 0.5, 0.47) }, { color: WHITE, shape: GLYPH[state] }];
  // macOS template images: black + alpha only; the menu bar tints them, so the state shows by shape.
  const template: Layer[] = [{ color: BLACK, shape: minus(circle(0.5, 0.5, 0.47), circle(0.5, 0.5, 0.38)) }, { color: BLACK, shape: GLYPH[state] }];
  out(`resources/tray/${state}.png`, render(16, color));
  out(`resources/tray/${state}@2x.png`, render(32, color));
  out(`resources/tray/${state}Template.png`, render(16, template));
  out(`resources/tray/${state}Template@2x.png`, render(32, template));
  out(`resources/tray/${state}.ico`, ico([16, 20, 24, 32, 40, 48, 64].map((s) => ({ size: s, data: render(s, color) }))));
}
console.log('icons written to resources/ and renderer/assets/');
