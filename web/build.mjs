// SPDX-License-Identifier: MIT
// Builds kesu-verify.html: esbuild bundles src/main.js with @noble/hashes and @noble/ed25519 into
// one script, which goes inline into src/page.html with src/page.css, under a Content Security
// Policy that allows exactly that script and that style and nothing from anywhere else.
//   node build.mjs SRC_DIR OUT_FILE VERSION     (run with node_modules of web/package-lock.json)
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const [srcDir, out, version = 'dev'] = process.argv.slice(2);
const result = await esbuild.build({
  entryPoints: [join(srcDir, 'main.js')],
  bundle: true,
  // the sources are in the tree, the packages beside this script in the build folder
  nodePaths: [join(dirname(fileURLToPath(import.meta.url)), 'node_modules')],
  format: 'iife',
  target: ['chrome120', 'edge120', 'firefox120'],
  minify: true,
  legalComments: 'inline', // the libraries' licence notices stay in the page
  charset: 'utf8',
  write: false,
  logLevel: 'warning',
});
// "</script" inside the script would end it early in the HTML.
const js = result.outputFiles[0].text.replace(/<\/(script)/gi, '<\\/$1');
const css = readFileSync(join(srcDir, 'page.css'), 'utf8');
const hash = (s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
const csp = [
  "default-src 'none'",
  `script-src ${hash(js)}`,
  `style-src ${hash(css)}`,
  "img-src 'none'", "connect-src 'none'", "font-src 'none'", "form-action 'none'", "base-uri 'none'",
].join('; ');
const html = readFileSync(join(srcDir, 'page.html'), 'utf8')
  .replace('@CSP@', csp)
  .replace('@VERSION@', version)
  .replace('@CSS@', () => css)
  .replace('@JS@', () => js);
writeFileSync(out + '.tmp', html);
renameSync(out + '.tmp', out);
