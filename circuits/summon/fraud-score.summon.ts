// Three-bank fraud score for one shared customer. Each bank holds one feature:
// bankA the transaction velocity (per day), bankB the chargebacks (last 90
// days), bankC a KYC-concern flag (0 or 1). Fixed point with 8 fractional bits
// (1.0 = 256): z = 3·velocity + 20·chargebacks + 512·kyc − 1024 (that is
// 0.0117·v + 0.078·c + 2·k − 4), score = sigmoid(z) by the PLAN piecewise-linear
// approximation, flagged when score > 0.8. Numbers are unsigned, so the sign of
// z is carried separately.
export default (io: Summon.IO) => {
  const velocity = io.input('bankA', 'velocity', summon.number());
  const chargebacks = io.input('bankB', 'chargebacks', summon.number());
  const kyc = io.input('bankC', 'kyc', summon.number());
  const positive = 3 * velocity + 20 * chargebacks + 512 * kyc;
  const bias = 1024;
  const nonNegative = positive >= bias;
  const ax = nonNegative ? positive - bias : bias - positive;
  let y = (ax >> 2) + 128;
  if (ax >= 256) {
    y = (ax >> 3) + 160;
  }
  if (ax >= 608) {
    y = (ax >> 5) + 216;
  }
  if (ax >= 1280) {
    y = 256;
  }
  const score = nonNegative ? y : 256 - y;
  io.outputPublic('score', score);
  io.outputPublic('flagged', score > 204 ? 1 : 0);
};
