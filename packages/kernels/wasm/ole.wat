;; The inner loops of the offline phase's oblivious linear evaluation (OLE)
;; from IKNP correlated OT (packages/sharing/src/offline): the hash inputs
;; of the circular-correlation-robust hash H(x) = π(σ(x)) ⊕ σ(x) (Guo, Katz,
;; Wang, Yu, eprint 2019/074), Gilboa's Z_2^64 products (Gilboa, CRYPTO 1999)
;; and the bit products of random OT (Demmler, Schneider, Zohner, NDSS 2015).
;; π runs in node:crypto between these passes; the kernels read its outputs
;; (y) beside its inputs (x) and use the low 64 bits (or bit 0) of y ⊕ x.
;;
;; Layouts (byte addresses, blocks of 16 bytes): OT j of a batch of triples
;; is bit k = j & 63 of triple t = j >> 6. The sender's hash inputs are pairs
;; (σ(q_j), σ(q_j) ⊕ σ(Δ)) at x + 32j, the receiver's σ(t_j) at x + 16j.
;; Gilboa corrections d_k (64 − k bits each) of triple t: word 0 = d_0, word w
;; (1..31) = d_w | d_{64−w} << (64 − w) at msg + 256t + 8w, and d_32 as a u32
;; at msg32 + 4t. The JS wrappers (src/ole.ts) check bounds before calling.
(module
  (import "env" "memory" (memory 1))

  ;; dst[j] = σ(src[j]) for n blocks, σ(lo, hi) = (hi, lo ⊕ hi); dst may equal src
  (func (export "ccr_sigma") (param $dst i32) (param $src i32) (param $n i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (local.set $v (v128.load (local.get $src)))
      (v128.store (local.get $dst)
        (v128.xor
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))
          (v128.and (local.get $v) (v128.const i64x2 0 -1))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br $each))))

  ;; dst[2j] = σ(src[j]), dst[2j+1] = σ(src[j]) ⊕ S (S = σ(Δ), the block at $sd), n blocks of src
  (func (export "ccr_sigma_pairs") (param $dst i32) (param $src i32) (param $sd i32) (param $n i32)
    (local $end i32) (local $v v128) (local $s v128) (local $k v128)
    (local.set $k (v128.load (local.get $sd)))
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 4))))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
      (local.set $v (v128.load (local.get $src)))
      (local.set $s
        (v128.xor
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))
          (v128.and (local.get $v) (v128.const i64x2 0 -1))))
      (v128.store (local.get $dst) (local.get $s))
      (v128.store offset=16 (local.get $dst) (v128.xor (local.get $s) (local.get $k)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br $each))))

  ;; Gilboa, sender (multiplicand a): for each of t triples and bit k, h0 = lo64(x ⊕ y) of the pair's
  ;; first block, h1 of its second; correction d_k = h0 − h1 + a (sent mod 2^(64−k)); share = −Σ h0·2^k.
  (func (export "gilboa_send") (param $share i32) (param $msg i32) (param $msg32 i32) (param $x i32) (param $y i32)
    (param $a i32) (param $t i32)
    (local $end i32) (local $av i64) (local $acc i64) (local $w i64) (local $o1 i32) (local $o2 i32)
    (local $h0 i64) (local $h1 i64) (local $g0 i64) (local $g1 i64)
    (local.set $end (i32.add (local.get $share) (i32.shl (local.get $t) (i32.const 3))))
    (block $done (loop $triple
      (br_if $done (i32.ge_u (local.get $share) (local.get $end)))
      (local.set $av (i64.load (local.get $a)))
      ;; k = 0: the whole 64-bit correction
      (local.set $h0 (i64.xor (i64.load (local.get $x)) (i64.load (local.get $y))))
      (local.set $h1 (i64.xor (i64.load offset=16 (local.get $x)) (i64.load offset=16 (local.get $y))))
      (i64.store (local.get $msg) (i64.add (i64.sub (local.get $h0) (local.get $h1)) (local.get $av)))
      (local.set $acc (local.get $h0))
      ;; k = 32: 32 bits
      (local.set $h0 (i64.xor (i64.load offset=1024 (local.get $x)) (i64.load offset=1024 (local.get $y))))
      (local.set $h1 (i64.xor (i64.load offset=1040 (local.get $x)) (i64.load offset=1040 (local.get $y))))
      (i32.store (local.get $msg32) (i32.wrap_i64 (i64.add (i64.sub (local.get $h0) (local.get $h1)) (local.get $av))))
      (local.set $acc (i64.add (local.get $acc) (i64.shl (local.get $h0) (i64.const 32))))
      ;; k = w and k = 64 − w share word w (64 − w and w bits)
      (local.set $w (i64.const 1))
      (local.set $o1 (i32.const 32))
      (local.set $o2 (i32.const 2016))
      (block $words (loop $word
        (br_if $words (i64.gt_u (local.get $w) (i64.const 31)))
        (local.set $h0 (i64.xor (i64.load (i32.add (local.get $x) (local.get $o1))) (i64.load (i32.add (local.get $y) (local.get $o1)))))
        (local.set $h1 (i64.xor (i64.load offset=16 (i32.add (local.get $x) (local.get $o1))) (i64.load offset=16 (i32.add (local.get $y) (local.get $o1)))))
        (local.set $g0 (i64.xor (i64.load (i32.add (local.get $x) (local.get $o2))) (i64.load (i32.add (local.get $y) (local.get $o2)))))
        (local.set $g1 (i64.xor (i64.load offset=16 (i32.add (local.get $x) (local.get $o2))) (i64.load offset=16 (i32.add (local.get $y) (local.get $o2)))))
        (local.set $acc (i64.add (local.get $acc)
          (i64.add (i64.shl (local.get $h0) (local.get $w)) (i64.shl (local.get $g0) (i64.sub (i64.const 64) (local.get $w))))))
        (i64.store (i32.add (local.get $msg) (i32.wrap_i64 (i64.shl (local.get $w) (i64.const 3))))
          (i64.or
            (i64.and (i64.add (i64.sub (local.get $h0) (local.get $h1)) (local.get $av)) (i64.shr_u (i64.const -1) (local.get $w)))
            (i64.shl (i64.add (i64.sub (local.get $g0) (local.get $g1)) (local.get $av)) (i64.sub (i64.const 64) (local.get $w)))))
        (local.set $w (i64.add (local.get $w) (i64.const 1)))
        (local.set $o1 (i32.add (local.get $o1) (i32.const 32)))
        (local.set $o2 (i32.sub (local.get $o2) (i32.const 32)))
        (br $word)))
      (i64.store (local.get $share) (i64.sub (i64.const 0) (local.get $acc)))
      (local.set $share (i32.add (local.get $share) (i32.const 8)))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $msg (i32.add (local.get $msg) (i32.const 256)))
      (local.set $msg32 (i32.add (local.get $msg32) (i32.const 4)))
      (local.set $x (i32.add (local.get $x) (i32.const 2048)))
      (local.set $y (i32.add (local.get $y) (i32.const 2048)))
      (br $triple))))

  ;; Gilboa, receiver, before the corrections arrive: share = Σ_k lo64(x ⊕ y)·2^k for each of t triples
  (func (export "gilboa_recv_hash") (param $share i32) (param $x i32) (param $y i32) (param $t i32)
    (local $end i32) (local $acc i64) (local $k i64)
    (local.set $end (i32.add (local.get $share) (i32.shl (local.get $t) (i32.const 3))))
    (block $done (loop $triple
      (br_if $done (i32.ge_u (local.get $share) (local.get $end)))
      (local.set $acc (i64.const 0))
      (local.set $k (i64.const 0))
      (block $bits (loop $bit
        (br_if $bits (i64.ge_u (local.get $k) (i64.const 64)))
        (local.set $acc (i64.add (local.get $acc)
          (i64.shl (i64.xor (i64.load (local.get $x)) (i64.load (local.get $y))) (local.get $k))))
        (local.set $acc (i64.add (local.get $acc)
          (i64.shl (i64.xor (i64.load offset=16 (local.get $x)) (i64.load offset=16 (local.get $y)))
            (i64.add (local.get $k) (i64.const 1)))))
        (local.set $k (i64.add (local.get $k) (i64.const 2)))
        (local.set $x (i32.add (local.get $x) (i32.const 32)))
        (local.set $y (i32.add (local.get $y) (i32.const 32)))
        (br $bit)))
      (i64.store (local.get $share) (local.get $acc))
      (local.set $share (i32.add (local.get $share) (i32.const 8)))
      (br $triple))))

  ;; Gilboa, receiver, with the corrections: share += Σ_k b_k·d_k·2^k (b_k = bit k of the multiplier b)
  (func (export "gilboa_recv_correct") (param $share i32) (param $b i32) (param $msg i32) (param $msg32 i32) (param $t i32)
    (local $end i32) (local $bv i64) (local $acc i64) (local $w i64) (local $word i64)
    (local.set $end (i32.add (local.get $share) (i32.shl (local.get $t) (i32.const 3))))
    (block $done (loop $triple
      (br_if $done (i32.ge_u (local.get $share) (local.get $end)))
      (local.set $bv (i64.load (local.get $b)))
      (local.set $acc (i64.add (i64.load (local.get $share))
        (i64.and (i64.load (local.get $msg)) (i64.sub (i64.const 0) (i64.and (local.get $bv) (i64.const 1))))))
      (local.set $acc (i64.add (local.get $acc)
        (i64.and (i64.shl (i64.load32_u (local.get $msg32)) (i64.const 32))
          (i64.sub (i64.const 0) (i64.and (i64.shr_u (local.get $bv) (i64.const 32)) (i64.const 1))))))
      (local.set $w (i64.const 1))
      (block $words (loop $each
        (br_if $words (i64.gt_u (local.get $w) (i64.const 31)))
        (local.set $word (i64.load (i32.add (local.get $msg) (i32.wrap_i64 (i64.shl (local.get $w) (i64.const 3))))))
        ;; d_w·2^w = word << w; d_{64−w}·2^(64−w) = word with its low 64 − w bits cleared
        (local.set $acc (i64.add (local.get $acc)
          (i64.add
            (i64.and (i64.shl (local.get $word) (local.get $w))
              (i64.sub (i64.const 0) (i64.and (i64.shr_u (local.get $bv) (local.get $w)) (i64.const 1))))
            (i64.and (i64.and (local.get $word) (i64.shl (i64.const -1) (i64.sub (i64.const 64) (local.get $w))))
              (i64.sub (i64.const 0) (i64.and (i64.shr_u (local.get $bv) (i64.sub (i64.const 64) (local.get $w))) (i64.const 1)))))))
        (local.set $w (i64.add (local.get $w) (i64.const 1)))
        (br $each)))
      (i64.store (local.get $share) (local.get $acc))
      (local.set $share (i32.add (local.get $share) (i32.const 8)))
      (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (local.set $msg (i32.add (local.get $msg) (i32.const 256)))
      (local.set $msg32 (i32.add (local.get $msg32) (i32.const 4)))
      (br $triple))))

  ;; Bit products, sender (bits a): per OT h0 = bit 0 of x ⊕ y of the pair's first block, h1 of its second;
  ;; share bit = h0, correction bit = h0 ⊕ h1 ⊕ a, 64 OTs per word, n words
  (func (export "rot_bits_send") (param $share i32) (param $msg i32) (param $x i32) (param $y i32) (param $a i32) (param $n i32)
    (local $end i32) (local $i i64) (local $s i64) (local $d i64) (local $h0 i32)
    (local.set $end (i32.add (local.get $share) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $word
      (br_if $done (i32.ge_u (local.get $share) (local.get $end)))
      (local.set $s (i64.const 0))
      (local.set $d (i64.const 0))
      (local.set $i (i64.const 0))
      (block $bits (loop $bit
        (br_if $bits (i64.ge_u (local.get $i) (i64.const 64)))
        (local.set $h0 (i32.and (i32.xor (i32.load (local.get $x)) (i32.load (local.get $y))) (i32.const 1)))
        (local.set $s (i64.or (local.get $s) (i64.shl (i64.extend_i32_u (local.get $h0)) (local.get $i))))
        (local.set $d (i64.or (local.get $d) (i64.shl
          (i64.extend_i32_u (i32.and (i32.xor (local.get $h0)
            (i32.xor (i32.load offset=16 (local.get $x)) (i32.load offset=16 (local.get $y)))) (i32.const 1)))
          (local.get $i))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (local.set $x (i32.add (local.get $x) (i32.const 32)))
        (local.set $y (i32.add (local.get $y) (i32.const 32)))
        (br $bit)))
      (i64.store (local.get $share) (local.get $s))
      (i64.store (local.get $msg) (i64.xor (local.get $d) (i64.load (local.get $a))))
      (local.set $share (i32.add (local.get $share) (i32.const 8)))
      (local.set $msg (i32.add (local.get $msg) (i32.const 8)))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (br $word))))

  ;; Bit products, receiver, before the corrections: share bit = bit 0 of x ⊕ y, 64 OTs per word, n words
  (func (export "rot_bits_recv") (param $share i32) (param $x i32) (param $y i32) (param $n i32)
    (local $end i32) (local $i i64) (local $s i64)
    (local.set $end (i32.add (local.get $share) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $word
      (br_if $done (i32.ge_u (local.get $share) (local.get $end)))
      (local.set $s (i64.const 0))
      (local.set $i (i64.const 0))
      (block $bits (loop $bit
        (br_if $bits (i64.ge_u (local.get $i) (i64.const 64)))
        (local.set $s (i64.or (local.get $s) (i64.shl
          (i64.extend_i32_u (i32.and (i32.xor (i32.load (local.get $x)) (i32.load (local.get $y))) (i32.const 1)))
          (local.get $i))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $bit)))
      (i64.store (local.get $share) (local.get $s))
      (local.set $share (i32.add (local.get $share) (i32.const 8)))
      (br $word))))

  ;; Bit products, receiver, with the corrections: share ^= b & d, n words
  (func (export "rot_bits_correct") (param $share i32) (param $b i32) (param $d i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $share) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $word
      (br_if $done (i32.ge_u (local.get $share) (local.get $end)))
      (i64.store (local.get $share)
        (i64.xor (i64.load (local.get $share)) (i64.and (i64.load (local.get $b)) (i64.load (local.get $d)))))
      (local.set $share (i32.add (local.get $share) (i32.const 8)))
      (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (local.set $d (i32.add (local.get $d) (i32.const 8)))
      (br $word)))))
