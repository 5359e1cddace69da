/** `npm run stats -w circuits`: regenerates circuits/summon/costs.json from the current compilers and gadgets. */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { libraryCosts } from './stats.js';

const path = fileURLToPath(new URL('../costs.json', import.meta.url));
await writeFile(path, `${JSON.stringify(await libraryCosts(), null, 2)}\n`);
process.stdout.write(`wrote ${path}\n`);
