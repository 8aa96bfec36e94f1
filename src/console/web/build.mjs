#!/usr/bin/env node
// `npm run build:console`: bundles the steward console into dist/console/ (index.html,
// app.js, app.css). One self-contained bundle, no CDN, no external fonts; the server serves
// exactly these three files (src/console/console-assets.ts).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, '../../../dist/console');
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [
    { in: join(here, 'main.ts'), out: 'app' },
    { in: join(here, 'styles.css'), out: 'app' },
  ],
  bundle: true,
  format: 'iife',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  outdir: out,
  logLevel: 'warning',
});
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
console.log(`console built into ${out}`);
