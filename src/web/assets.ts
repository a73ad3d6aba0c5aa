import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * The built front end (scripts/build.mjs → dist/web/assets): file names carry a content hash, so
 * a file is cached for a year and a new build is a new name. Loaded into memory once, with a
 * gzip copy, because there are a handful of small files and every page load asks for them.
 */
export interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
}

export interface Assets {
  /** The file of an entry point (`app.js`, `app.css`) as the pages link it. */
  entry(name: 'app.js' | 'app.css'): string;
  get(file: string): Asset | undefined;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** From src/web or dist/web, the build output is dist/web/assets of the package root. */
export const ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'web', 'assets');

export function loadAssets(dir = ASSETS_DIR): Assets {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new Error(`the front end is not built (no ${manifestPath}): run \`npm run build\``);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, string>;
  const files = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type || name === 'manifest.json') continue;
    const body = readFileSync(join(dir, name));
    files.set(name, { body, gzip: gzipSync(body, { level: 9 }), type });
  }
  return {
    entry(name) {
      const file = manifest[name];
      if (!file || !files.has(file)) throw new Error(`the front-end build has no ${name}: run \`npm run build\``);
      return file;
    },
    get: (file) => files.get(file),
  };
}
