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
 *
 * `--initial-old-space-size=128`: the engines keep their data in
 * ArrayBuffers, outside the JS heap, so the heap's live objects stay small
 * (about 20 MB in a party process) and V8 sets the old generation's limit to
 * about twice that. With so little room above the live size V8 began a full
 * marking, mostly on background threads, every 50 ms while the offline phase
 * ran: 146 mark-compacts in 8 s per party process, their marking threads
 * competing with the other party for the two cores. A 128 MB floor on the
 * limit leaves one mark-compact per ~0.8 s (external-memory pressure only):
 * two-party triples went from 145k to 220k/s and their CPU from 6.4 to 4.4 µs
 * per triple per party (bench/README.md, suite `sharing`); the garbled
 * engine's figures did not move beyond their noise.
 */
export const ENGINE_V8_FLAGS: readonly string[] = [
  '--no-concurrent-array-buffer-sweeping',
  '--initial-old-space-size=128',
];
