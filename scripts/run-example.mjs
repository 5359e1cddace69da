// The example runner: `npm run example -- NAME [args…]` runs the built
// example examples/NAME/dist/main.js with the arguments after NAME.
//
// - An example is a directory of examples/ with a package.json (an npm
//   workspace, built by `tsc -b` with the rest of the project, so `npm ci`
//   or `npm run build` builds it).
// - With no NAME, `--help`, or a NAME that is not an example, it lists the
//   examples and exits with status 2.
// - The example runs in the directory `npm run` was typed in (npm's
//   INIT_CWD; npm itself runs scripts in the project root), so relative
//   paths in its arguments mean what they say.
// - Its exit status is the runner's. SIGINT, SIGTERM and SIGHUP sent to the
//   runner are passed on to it (Ctrl-C reaches both anyway, being sent to
//   the terminal's whole process group; an example must stand getting a
//   signal twice), and when it dies of a signal the runner dies of the same
//   one, so `npm run` and shells see what happened.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The examples: directories of examples/ with a package.json, by name, with their descriptions. */
function listExamples() {
  let entries;
  try {
    entries = readdirSync(EXAMPLES, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && existsSync(join(EXAMPLES, e.name, 'package.json')))
    .map((e) => {
      let description = '';
      try {
        description =
          JSON.parse(readFileSync(join(EXAMPLES, e.name, 'package.json'), 'utf8')).description ?? '';
      } catch {
        // an unreadable package.json still names an example; it just has no description
      }
      return { name: e.name, description, built: existsSync(mainOf(e.name)) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function mainOf(name) {
  return join(EXAMPLES, name, 'dist', 'main.js');
}

/** Prints why nothing runs and the examples there are; exits 2. */
function usage(problem, examples) {
  console.error(`run-example: ${problem}`);
  console.error('usage: npm run example -- NAME [args…]   (examples/README.md describes them)');
  if (examples.length === 0) {
    console.error('there are no examples (no examples/*/package.json)');
  } else {
    console.error('examples:');
    const width = Math.max(...examples.map((e) => e.name.length));
    for (const e of examples) {
      const note = e.built ? '' : '  (not built: npm run build)';
      console.error(`  ${e.name.padEnd(width)}  ${e.description}${note}`);
    }
  }
  process.exit(2);
}

const [name, ...args] = process.argv.slice(2);
const examples = listExamples();
if (name === undefined || name === '' || name === '--help' || name === '-h') {
  usage('which example? give its name', examples);
}
// Only names from the listing: nothing outside examples/ can be run this way.
if (!examples.some((e) => e.name === name)) usage(`no example '${name}'`, examples);
const main = mainOf(name);
if (!existsSync(main)) {
  console.error(`run-example: examples/${name} is not built (no ${main}): run \`npm run build\` first`);
  process.exit(1);
}

const child = spawn(process.execPath, [main, ...args], {
  stdio: 'inherit',
  cwd: process.env.INIT_CWD ?? process.cwd(),
});

const forward = (signal) => {
  // The example may already have exited; kill() then does nothing.
  child.kill(signal);
};
for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);

child.on('error', (e) => {
  console.error(`run-example: could not start examples/${name}: ${e.message}`);
  process.exit(1);
});

child.on('exit', (code, signal) => {
  for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  if (signal !== null) {
    // Die of the same signal (our handler is gone, so the default action applies).
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
