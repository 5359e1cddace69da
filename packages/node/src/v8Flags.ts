/**
 * The V8 flags of every process that runs engines: the party node (`parley
 * node start`), the rest of the `parley` CLI, and the benchmarks. They are
 * given on the command line, because V8 reads them only at start-up (setting
 * them later with `v8.setFlagsFromString` crashes V8 in its next GC): the
 * `parley` bin's shebang carries them, `NodeProcesses` (the demo's and the
 * tests' nodes) passes them, and so does `npm run bench`; test/v8Flags.test.ts
 * checks that those places say the same as this list.
 *
 * `--no-concurrent-array-buffer-sweeping`: node:crypto's Cipheriv has no
 * update-into-a-buffer call, so every AES batch of the garbled engine and of
 * the OT extension returns a fresh ArrayBuffer (4 to 8 AES blocks per AND
 * gate: 0.2 to 0.4 GB per 3.3M-AND job). By default V8 frees dead
 * ArrayBuffers on a background thread; on a two-core machine that thread
 * competes with the engine's own threads (garbler, garbling worker,
 * evaluator), and the bytes it has not yet freed keep counting as external
 * memory, which brings on more collections. Freed during the collection
 * instead, the 3.3M-AND AES job over TLS took 10 % less CPU (893 against
 * 1,000 ms per run) and ran at 6.2–6.3M instead of 5.7–5.9M AND gates/s
 * (bench/README.md, suite `garbled`).
 */
export const ENGINE_V8_FLAGS: readonly string[] = ['--no-concurrent-array-buffer-sweeping'];
