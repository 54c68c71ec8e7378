import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

/**
 * What `portico serve` loads before it talks to a CA. acme-client (with axios and node-forge under
 * it) and node-forge are loaded at their first use (an order, an outside check, a PKCS#12 export),
 * and @peculiar/x509 when a placeholder certificate is made: resident memory a service with a valid
 * certificate does without (docs/bench.md).
 */
test('the service and `portico serve` load no ACME client, node-forge or x509 builder until they are used', () => {
  const modules = (entry: string) => execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { registerHooks } from 'node:module';
    const seen = [];
    registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });
    await import(${JSON.stringify(new URL(entry, import.meta.url).href)});
    console.log(JSON.stringify(seen));
  `], { encoding: 'utf8' });
  for (const entry of ['../../../main/core/service/service.ts', '../../../main/cli/commands/serve.ts']) {
    const loaded = JSON.parse(modules(entry)) as string[];
    assert.ok(loaded.some((u) => u.endsWith('/cert-manager.ts')), `${entry}: the certificate manager is loaded (the check sees the real import graph)`);
    for (const pkg of ['acme-client', 'node-forge', 'axios', '@peculiar/x509']) {
      assert.deepEqual(loaded.filter((u) => u.includes(`/node_modules/${pkg}/`)), [], `${entry} loads ${pkg} at start`);
    }
  }
});
