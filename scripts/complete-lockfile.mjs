// npm 11.19 writes package-lock.json with only this machine's platform-specific
// optional packages (@biomejs/cli-*, @msgpackr-extract/*), then `npm ci`
// refuses that lock file as out of sync (npm/cli#8320, fixed upstream by
// npm/cli#9083). This adds a minimal entry for each missing optional package
// so `npm ci` accepts the lock; npm still skips those whose os/cpu do not
// match. Run after every `npm install` that changes the lock: `npm run lockfile`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [where, info] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(info.optionalDependencies ?? {})) {
    const nested = `${where ? `${where}/` : ''}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    packages[hoisted] = { version, optional: true, ...(info.dev ? { dev: true } : {}) };
    added++;
  }
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entr${added === 1 ? 'y' : 'ies'}`);
