import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCliArgs } from '../../main/cli/args.ts';
import type { CliIo } from '../../main/cli/io.ts';

function bufferIo(): CliIo & { errors: string[] } {
  const errors: string[] = [];
  return { errors, out: () => {}, err: (l) => errors.push(l), env: {} };
}
const spec = { command: 'doctor', usage: 'portico doctor [--json] --config FILE', flags: ['--json'], options: ['--config'], positionals: 1 } as const;

test('flags, options in both spellings, and positionals anywhere', () => {
  const io = bufferIo();
  assert.deepEqual(parseCliArgs(['renew', '--config', 'a.json', '--json'], spec, io), { flags: { '--json': true }, options: { '--config': 'a.json' }, positionals: ['renew'] });
  assert.deepEqual(parseCliArgs(['--config=b.json'], spec, io), { flags: { '--json': false }, options: { '--config': 'b.json' }, positionals: [] });
  assert.deepEqual(io.errors, []);
});

test('each usage problem is one line naming it, with the usage', () => {
  for (const [args, problem] of [
    [['--frobnicate'], 'unknown option "--frobnicate"'],
    [['--config'], '--config needs a value'],
    [['--config', '--json'], '--config needs a value'],
    [['a', 'b'], 'unknown option "b"'],
  ] as const) {
    const io = bufferIo();
    assert.equal(parseCliArgs(args, spec, io), null, args.join(' '));
    assert.deepEqual(io.errors, [`portico doctor: ${problem}; usage: portico doctor [--json] --config FILE`]);
  }
});

test('a multi-line usage is printed below the problem', () => {
  const io = bufferIo();
  assert.equal(parseCliArgs(['--x'], { ...spec, command: 'cert', usage: ['usage: portico cert show', '       portico cert renew'] }, io), null);
  assert.deepEqual(io.errors, ['portico cert: unknown option "--x"', 'usage: portico cert show', '       portico cert renew']);
});
