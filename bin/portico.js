#!/usr/bin/env -S node --max-semi-space-size=2 --heap-growing-percent=50 --expose-gc
// The `portico` command. Runs the compiled build when present (npm ci builds it through
// `prepare`), else the TypeScript sources directly (Node >= 22.18 strips types natively).
import { existsSync } from 'node:fs';

const dist = new URL('../dist/main/cli/portico.js', import.meta.url);
const src = new URL('../main/cli/portico.ts', import.meta.url);
const entry = !process.env.PORTICO_FROM_SOURCE && existsSync(dist) ? dist : src;
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
