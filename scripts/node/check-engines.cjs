// Before npm installs anything: does the running Node.js satisfy the engines.node range of every
// package in the lock file? A Node too old then fails here, in one sentence per package, rather
// than later in the tool with an error of its own. (engines.npm is left to npm: it names the npm
// a package is developed with, and npm ci only warns about it.) The range check is npm's own
// semver, which every npm ships.
//
//   node check-engines.cjs PACKAGE-LOCK.JSON NPM-CLI-PATH
'use strict';
const fs = require('fs');
const path = require('path');

const [lockFile, npmCli] = process.argv.slice(2);
const npmDir = path.dirname(path.dirname(fs.realpathSync(npmCli)));
const semver = require(require.resolve('semver', { paths: [npmDir] }));
const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));

let failed = 0;
for (const [where, pkg] of Object.entries(lock.packages || {})) {
  const range = pkg.engines && pkg.engines.node;
  if (where === '' || typeof range !== 'string') continue;
  if (pkg.os && !pkg.os.includes(process.platform)) continue; // never installed on this system
  if (semver.satisfies(process.version, range, { includePrerelease: true })) continue;
  const name = where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
  console.error(`node-tools: ${name} ${pkg.version} (${lockFile}) needs Node.js ${range}, ` +
                `and this is Node.js ${process.versions.node}.`);
  failed++;
}
process.exit(failed ? 1 : 0);
