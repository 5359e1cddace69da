// Yao's millionaires' problem: who is richer, without either saying how rich.
export default (io: Summon.IO) => {
  const alice = io.input('alice', 'aliceWealth', summon.number());
  const bob = io.input('bob', 'bobWealth', summon.number());
  io.outputPublic('aliceIsRicher', alice > bob ? 1 : 0);
};
