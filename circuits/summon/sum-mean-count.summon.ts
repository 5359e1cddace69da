// Pooled statistics over N values from each of two parties: the sum, the
// mean (rounded down) and how many values exceed a public threshold.
export default (io: Summon.IO) => {
  const n = io.inputPublic('N', summon.number());
  const threshold = io.inputPublic('threshold', summon.number());
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const a = io.input('alice', 'a' + i, summon.number());
    const b = io.input('bob', 'b' + i, summon.number());
    sum = sum + a + b;
    if (a > threshold) {
      count = count + 1;
    }
    if (b > threshold) {
      count = count + 1;
    }
  }
  io.outputPublic('sum', sum);
  io.outputPublic('mean', sum / (2 * n));
  io.outputPublic('countAbove', count);
};
