import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');

test("the V8 flags Portico runs with are the shebang's, repeated exactly where a shebang cannot reach", () => {
  // bin/portico.js is their home; `npm run serve` (node runs the file, the shebang is not read) and
  // the desktop app (Electron's js-flags) must say the same, or the bench measures what users don't run.
  const shebang = /^#!.*\bnode ((?:--[\w-]+(?:=\S+)? ?)+)$/m.exec(read('bin/portico.js').split('\n')[0]!)?.[1]?.trim();
  assert.ok(shebang, 'bin/portico.js has node flags on its shebang');
  const serve = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.serve;
  assert.equal(serve, `node ${shebang} bin/portico.js serve`);
  assert.match(read('main/app/main.ts'), new RegExp(`appendSwitch\\('js-flags', '${shebang}'\\)`));
});
