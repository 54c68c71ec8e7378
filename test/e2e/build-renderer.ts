import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, stop } from 'esbuild';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * Bundle the renderer into `outDir` the way scripts/build.ts does for dist/renderer, so the
 * end-to-end test and the demo always serve the current sources (about 0.1 s).
 */
export async function buildRenderer(outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  await build({ entryPoints: [join(ROOT, 'renderer/app.ts')], bundle: true, format: 'esm', target: 'chrome120', outfile: join(outDir, 'app.js'), logLevel: 'warning' });
  for (const f of ['index.html', 'styles.css']) if (existsSync(join(ROOT, 'renderer', f))) cpSync(join(ROOT, 'renderer', f), join(outDir, f));
  if (existsSync(join(ROOT, 'renderer/assets'))) cpSync(join(ROOT, 'renderer/assets'), join(outDir, 'assets'), { recursive: true });
  // esbuild keeps a helper process alive for further builds; a long-running service wants none.
  await stop();
  return outDir;
}
