import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One built file of the console, held in memory (the bundle is small and never changes while running). */
export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
}

/** The files the build writes to `dist/console/` (src/console/web/build.mjs); nothing else is served. */
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/**
 * The page holds no data and loads nothing from elsewhere: scripts, styles and API calls come
 * from this origin only; no inline script or style, no framing, no plugins, no form posts
 * anywhere.
 */
export const CONSOLE_SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; '),
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
};

/** `dist/console` of this package, found from this file whether it runs from `src/` or `dist/src/`. */
export function consoleBundleDir(start = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'console');
    const parent = dirname(dir);
    if (parent === dir) throw new Error('console: package.json not found above ' + start);
    dir = parent;
  }
}

/** Reads the built console once; `undefined` for a name that is not part of the bundle. */
export class ConsoleAssets {
  private readonly cache = new Map<string, ConsoleAsset>();

  constructor(private readonly dir = consoleBundleDir()) {}

  get(name: string): ConsoleAsset | undefined {
    const contentType = FILES[name];
    if (!contentType) return undefined;
    let asset = this.cache.get(name);
    if (!asset) {
      const path = join(this.dir, name);
      if (!existsSync(path)) return undefined;
      asset = { body: readFileSync(path), contentType };
      this.cache.set(name, asset);
    }
    return asset;
  }

  /** True when the bundle was built (`npm run build:console`). */
  isBuilt(): boolean {
    return existsSync(join(this.dir, 'index.html')) && existsSync(join(this.dir, 'app.js'));
  }
}
