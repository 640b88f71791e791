#!/bin/sh
# build.sh: rebuilds playground/dist, the GraphiQL assets that the convene
# binary embeds, from the npm packages pinned in package-lock.json.
#
#   cd playground && ./build.sh      (or: npm run build)
#
# It needs Node.js 20+ and npm. `go test` and `go build` never run it: dist/
# is committed, and playground_assets_test.go checks that it matches the
# lock file and has not been edited by hand. Rerun it after changing a
# version in package.json (then `npm install --package-lock-only`).
#
# Nothing is bundled or transpiled here: the packages ship ready browser
# builds (UMD) that are copied as they are, minus their source-map comment.
set -eu
cd "$(dirname "$0")"

npm ci --no-audit --no-fund --ignore-scripts

rm -rf dist
mkdir -p dist/licenses

copy() { # copy SOURCE TARGET: the file without its sourceMappingURL comment
	sed -e 's|^//# sourceMappingURL=.*$||' -e 's|/\*# sourceMappingURL=[^*]*\*/||' "node_modules/$1" >"dist/$2"
}
copy react/umd/react.production.min.js react.production.min.js
copy react-dom/umd/react-dom.production.min.js react-dom.production.min.js
copy graphiql/dist/index.umd.js graphiql.min.js
copy graphiql/dist/style.css graphiql.min.css
copy graphql-ws/umd/graphql-ws.min.js graphql-ws.min.js

# The licence of every installed package (GraphiQL's browser build bundles
# many of them), and a manifest of versions and file digests for the test.
node --input-type=module <<'JS'
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const direct = Object.keys(lock.packages[''].dependencies).sort();
const installed = Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/') && !lock.packages[p].dev).sort();
const licences = [];
for (const path of installed) {
  const meta = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8'));
  const files = readdirSync(path).filter((f) => /^(licen[cs]e|copying)/i.test(f)).sort();
  const id = `${meta.name}@${meta.version}`;
  let text = files.map((f) => readFileSync(join(path, f), 'utf8').trim()).join('\n\n');
  if (!text) text = `(the package ships no licence file; its package.json declares: ${meta.license ?? 'nothing'})`;
  const file = `${meta.name.replace('/', '__')}@${meta.version}.txt`;
  writeFileSync(join('dist/licenses', file), `${id} (${meta.license ?? 'no licence declared'})\n\n${text}\n`);
  licences.push({ package: meta.name, version: meta.version, license: meta.license ?? null, file: `licenses/${file}` });
}
const assets = {};
for (const f of readdirSync('dist').filter((f) => /\.(js|css)$/.test(f)).sort()) {
  assets[f] = createHash('sha256').update(readFileSync(join('dist', f))).digest('hex');
}
const versions = Object.fromEntries(direct.map((name) => [name, lock.packages[`node_modules/${name}`].version]));
const manifest = { generatedBy: 'playground/build.sh', versions, assets, licences };
writeFileSync('dist/manifest.json', JSON.stringify(manifest, null, 2) + '\n');
if (!existsSync('dist/graphiql.min.js')) throw new Error('graphiql.min.js missing');
console.log(`dist/: ${Object.keys(assets).length} assets, ${licences.length} licences`);
JS
