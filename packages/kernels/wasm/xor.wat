;; Label XOR loops with WebAssembly SIMD (v128). Every function works on n
;; 16-byte blocks; dst may equal a source (in place), other overlaps are not
;; allowed. The JS wrappers check bounds before calling.
(module
  (import "env" "memory" (memory 1))

  ;; dst[k] = a[k] ^ b[k]
  (func (export "xor_blocks") (param $dst i32) (param $a i32) (param $b i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    ;; four blocks per iteration while at least four remain
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $dst) (i32.const 64)) (local.get $end)))
      (v128.store (local.get $dst) (v128.xor (v128.load (local.get $a)) (v128.load (local.get $b))))
      (v128.store offset=16 (local.get $dst) (v128.xor (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))
      (v128.store offset=32 (local.get $dst) (v128.xor (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b))))
      (v128.store offset=48 (local.get $dst) (v128.xor (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64))) (local.set $a (i32.add (local.get $a) (i32.const 64))) (local.set $b (i32.add (local.get $b) (i32.const 64)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (v128.store (local.get $dst) (v128.xor (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16))) (local.set $a (i32.add (local.get $a) (i32.const 16))) (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br $by1))))

  ;; dst[k] = a[k] ^ b[k] ^ c[k]
  (func (export "xor3_blocks") (param $dst i32) (param $a i32) (param $b i32) (param $c i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    ;; four blocks per iteration while at least four remain
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $dst) (i32.const 64)) (local.get $end)))
      (v128.store (local.get $dst) (v128.xor (v128.xor (v128.load (local.get $a)) (v128.load (local.get $b))) (v128.load (local.get $c))))
      (v128.store offset=16 (local.get $dst) (v128.xor (v128.xor (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))) (v128.load offset=16 (local.get $c))))
      (v128.store offset=32 (local.get $dst) (v128.xor (v128.xor (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b))) (v128.load offset=32 (local.get $c))))
      (v128.store offset=48 (local.get $dst) (v128.xor (v128.xor (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b))) (v128.load offset=48 (local.get $c))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64))) (local.set $a (i32.add (local.get $a) (i32.const 64))) (local.set $b (i32.add (local.get $b) (i32.const 64))) (local.set $c (i32.add (local.get $c) (i32.const 64)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (v128.store (local.get $dst) (v128.xor (v128.xor (v128.load (local.get $a)) (v128.load (local.get $b))) (v128.load (local.get $c))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16))) (local.set $a (i32.add (local.get $a) (i32.const 16))) (local.set $b (i32.add (local.get $b) (i32.const 16))) (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br $by1))))

  ;; dst[k] = a[k] ^ K, K the 16-byte block at $k
  (func (export "xor_const") (param $dst i32) (param $a i32) (param $k i32) (param $n i32)
    (local $end i32) (local $kv v128)
    (local.set $kv (v128.load (local.get $k)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    ;; four blocks per iteration while at least four remain
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $dst) (i32.const 64)) (local.get $end)))
      (v128.store (local.get $dst) (v128.xor (v128.load (local.get $a)) (local.get $kv)))
      (v128.store offset=16 (local.get $dst) (v128.xor (v128.load offset=16 (local.get $a)) (local.get $kv)))
      (v128.store offset=32 (local.get $dst) (v128.xor (v128.load offset=32 (local.get $a)) (local.get $kv)))
      (v128.store offset=48 (local.get $dst) (v128.xor (v128.load offset=48 (local.get $a)) (local.get $kv)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64))) (local.set $a (i32.add (local.get $a) (i32.const 64)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (v128.store (local.get $dst) (v128.xor (v128.load (local.get $a)) (local.get $kv)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16))) (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (br $by1))))

  ;; dst[k] = a[k] ^ (bit 0 of select[k] ? K : 0), select one byte per block
  (func (export "xor_const_select") (param $dst i32) (param $a i32) (param $k i32) (param $select i32) (param $n i32)
    (local $end i32) (local $kv v128)
    (local.set $kv (v128.load (local.get $k)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    ;; four blocks per iteration while at least four remain
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $dst) (i32.const 64)) (local.get $end)))
      (v128.store (local.get $dst) (v128.xor (v128.load (local.get $a)) (v128.and (local.get $kv) (i8x16.splat (i32.sub (i32.const 0) (i32.and (i32.load8_u (local.get $select)) (i32.const 1)))))))
      (v128.store offset=16 (local.get $dst) (v128.xor (v128.load offset=16 (local.get $a)) (v128.and (local.get $kv) (i8x16.splat (i32.sub (i32.const 0) (i32.and (i32.load8_u offset=1 (local.get $select)) (i32.const 1)))))))
      (v128.store offset=32 (local.get $dst) (v128.xor (v128.load offset=32 (local.get $a)) (v128.and (local.get $kv) (i8x16.splat (i32.sub (i32.const 0) (i32.and (i32.load8_u offset=2 (local.get $select)) (i32.const 1)))))))
      (v128.store offset=48 (local.get $dst) (v128.xor (v128.load offset=48 (local.get $a)) (v128.and (local.get $kv) (i8x16.splat (i32.sub (i32.const 0) (i32.and (i32.load8_u offset=3 (local.get $select)) (i32.const 1)))))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64))) (local.set $select (i32.add (local.get $select) (i32.const 4))) (local.set $a (i32.add (local.get $a) (i32.const 64)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (v128.store (local.get $dst) (v128.xor (v128.load (local.get $a)) (v128.and (local.get $kv) (i8x16.splat (i32.sub (i32.const 0) (i32.and (i32.load8_u (local.get $select)) (i32.const 1)))))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16))) (local.set $select (i32.add (local.get $select) (i32.const 1))) (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (br $by1))))

  ;; dst[k] = a[k] ^ (b[k] & M), M all ones when bit 0 of $bit is set and
  ;; zero otherwise: Δ_i·u^i of an OT-extension sender, the same loads, stores
  ;; and instructions whatever the bit.
  (func (export "xor_masked") (param $dst i32) (param $a i32) (param $b i32) (param $bit i32) (param $n i32)
    (local $end i32) (local $m v128)
    (local.set $m (i8x16.splat (i32.sub (i32.const 0) (i32.and (local.get $bit) (i32.const 1)))))
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $dst) (i32.const 64)) (local.get $end)))
      (v128.store (local.get $dst) (v128.xor (v128.load (local.get $a)) (v128.and (v128.load (local.get $b)) (local.get $m))))
      (v128.store offset=16 (local.get $dst) (v128.xor (v128.load offset=16 (local.get $a)) (v128.and (v128.load offset=16 (local.get $b)) (local.get $m))))
      (v128.store offset=32 (local.get $dst) (v128.xor (v128.load offset=32 (local.get $a)) (v128.and (v128.load offset=32 (local.get $b)) (local.get $m))))
      (v128.store offset=48 (local.get $dst) (v128.xor (v128.load offset=48 (local.get $a)) (v128.and (v128.load offset=48 (local.get $b)) (local.get $m))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64))) (local.set $a (i32.add (local.get $a) (i32.const 64))) (local.set $b (i32.add (local.get $b) (i32.const 64)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (v128.store (local.get $dst) (v128.xor (v128.load (local.get $a)) (v128.and (v128.load (local.get $b)) (local.get $m))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16))) (local.set $a (i32.add (local.get $a) (i32.const 16))) (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br $by1))))

  ;; Two masked sums of the same four sources s0..s3, block by block:
  ;;   d0[k] = XOR over j of (s_j[k] & M_j),  d1[k] = XOR over j of (s_j[k] & M_{4+j}),
  ;; M_i all ones when bit i of $masks is set. Every source is read and both
  ;; outputs written for every block, whatever the masks (the SoftSpoken
  ;; sender's two columns per chunk of Δ, with no branch or index on Δ).
  (func (export "xor_masked_pair") (param $d0 i32) (param $d1 i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $s3 i32) (param $masks i32) (param $n i32)
    (local $end i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128)
    (local $m4 v128) (local $m5 v128) (local $m6 v128) (local $m7 v128)
    (local.set $m0 (i8x16.splat (i32.sub (i32.const 0) (i32.and (local.get $masks) (i32.const 1)))))
    (local.set $m1 (i8x16.splat (i32.sub (i32.const 0) (i32.and (i32.shr_u (local.get $masks) (i32.const 1)) (i32.const 1)))))
    (local.set $m2 (i8x16.splat (i32.sub (i32.const 0) (i32.and (i32.shr_u (local.get $masks) (i32.const 2)) (i32.const 1)))))
    (local.set $m3 (i8x16.splat (i32.sub (i32.const 0) (i32.and (i32.shr_u (local.get $masks) (i32.const 3)) (i32.const 1)))))
    (local.set $m4 (i8x16.splat (i32.sub (i32.const 0) (i32.and (i32.shr_u (local.get $masks) (i32.const 4)) (i32.const 1)))))
    (local.set $m5 (i8x16.splat (i32.sub (i32.const 0) (i32.and (i32.shr_u (local.get $masks) (i32.const 5)) (i32.const 1)))))
    (local.set $m6 (i8x16.splat (i32.sub (i32.const 0) (i32.and (i32.shr_u (local.get $masks) (i32.const 6)) (i32.const 1)))))
    (local.set $m7 (i8x16.splat (i32.sub (i32.const 0) (i32.and (i32.shr_u (local.get $masks) (i32.const 7)) (i32.const 1)))))
    (local.set $end (i32.add (local.get $d0) (i32.shl (local.get $n) (i32.const 4))))
    ;; four blocks per iteration while at least four remain (each block's
    ;; sources are loaded before its outputs are stored: in place is safe)
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $d0) (i32.const 64)) (local.get $end)))
      (local.set $v0 (v128.load (local.get $s0)))
      (local.set $v1 (v128.load (local.get $s1)))
      (local.set $v2 (v128.load (local.get $s2)))
      (local.set $v3 (v128.load (local.get $s3)))
      (v128.store (local.get $d0)
        (v128.xor
          (v128.xor (v128.and (local.get $v0) (local.get $m0)) (v128.and (local.get $v1) (local.get $m1)))
          (v128.xor (v128.and (local.get $v2) (local.get $m2)) (v128.and (local.get $v3) (local.get $m3)))))
      (v128.store (local.get $d1)
        (v128.xor
          (v128.xor (v128.and (local.get $v0) (local.get $m4)) (v128.and (local.get $v1) (local.get $m5)))
          (v128.xor (v128.and (local.get $v2) (local.get $m6)) (v128.and (local.get $v3) (local.get $m7)))))
      (local.set $v0 (v128.load offset=16 (local.get $s0)))
      (local.set $v1 (v128.load offset=16 (local.get $s1)))
      (local.set $v2 (v128.load offset=16 (local.get $s2)))
      (local.set $v3 (v128.load offset=16 (local.get $s3)))
      (v128.store offset=16 (local.get $d0)
        (v128.xor
          (v128.xor (v128.and (local.get $v0) (local.get $m0)) (v128.and (local.get $v1) (local.get $m1)))
          (v128.xor (v128.and (local.get $v2) (local.get $m2)) (v128.and (local.get $v3) (local.get $m3)))))
      (v128.store offset=16 (local.get $d1)
        (v128.xor
          (v128.xor (v128.and (local.get $v0) (local.get $m4)) (v128.and (local.get $v1) (local.get $m5)))
          (v128.xor (v128.and (local.get $v2) (local.get $m6)) (v128.and (local.get $v3) (local.get $m7)))))
      (local.set $v0 (v128.load offset=32 (local.get $s0)))
      (local.set $v1 (v128.load offset=32 (local.get $s1)))
      (local.set $v2 (v128.load offset=32 (local.get $s2)))
      (local.set $v3 (v128.load offset=32 (local.get $s3)))
      (v128.store offset=32 (local.get $d0)
        (v128.xor
          (v128.xor (v128.and (local.get $v0) (local.get $m0)) (v128.and (local.get $v1) (local.get $m1)))
          (v128.xor (v128.and (local.get $v2) (local.get $m2)) (v128.and (local.get $v3) (local.get $m3)))))
      (v128.store offset=32 (local.get $d1)
        (v128.xor
          (v128.xor (v128.and (local.get $v0) (local.get $m4)) (v128.and (local.get $v1) (local.get $m5)))
          (v128.xor (v128.and (local.get $v2) (local.get $m6)) (v128.and (local.get $v3) (local.get $m7)))))
      (local.set $v0 (v128.load offset=48 (local.get $s0)))
      (local.set $v1 (v128.load offset=48 (local.get $s1)))
      (local.set $v2 (v128.load offset=48 (local.get $s2)))
      (local.set $v3 (v128.load offset=48 (local.get $s3)))
      (v128.store offset=48 (local.get $d0)
        (v128.xor
          (v128.xor (v128.and (local.get $v0) (local.get $m0)) (v128.and (local.get $v1) (local.get $m1)))
          (v128.xor (v128.and (local.get $v2) (local.get $m2)) (v128.and (local.get $v3) (local.get $m3)))))
      (v128.store offset=48 (local.get $d1)
        (v128.xor
          (v128.xor (v128.and (local.get $v0) (local.get $m4)) (v128.and (local.get $v1) (local.get $m5)))
          (v128.xor (v128.and (local.get $v2) (local.get $m6)) (v128.and (local.get $v3) (local.get $m7)))))
      (local.set $d0 (i32.add (local.get $d0) (i32.const 64))) (local.set $d1 (i32.add (local.get $d1) (i32.const 64))) (local.set $s0 (i32.add (local.get $s0) (i32.const 64))) (local.set $s1 (i32.add (local.get $s1) (i32.const 64))) (local.set $s2 (i32.add (local.get $s2) (i32.const 64))) (local.set $s3 (i32.add (local.get $s3) (i32.const 64)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $d0) (local.get $end)))
      (local.set $v0 (v128.load (local.get $s0)))
      (local.set $v1 (v128.load (local.get $s1)))
      (local.set $v2 (v128.load (local.get $s2)))
      (local.set $v3 (v128.load (local.get $s3)))
      (v128.store (local.get $d0)
        (v128.xor
          (v128.xor (v128.and (local.get $v0) (local.get $m0)) (v128.and (local.get $v1) (local.get $m1)))
          (v128.xor (v128.and (local.get $v2) (local.get $m2)) (v128.and (local.get $v3) (local.get $m3)))))
      (v128.store (local.get $d1)
        (v128.xor
          (v128.xor (v128.and (local.get $v0) (local.get $m4)) (v128.and (local.get $v1) (local.get $m5)))
          (v128.xor (v128.and (local.get $v2) (local.get $m6)) (v128.and (local.get $v3) (local.get $m7)))))
      (local.set $d0 (i32.add (local.get $d0) (i32.const 16))) (local.set $d1 (i32.add (local.get $d1) (i32.const 16))) (local.set $s0 (i32.add (local.get $s0) (i32.const 16))) (local.set $s1 (i32.add (local.get $s1) (i32.const 16))) (local.set $s2 (i32.add (local.get $s2) (i32.const 16))) (local.set $s3 (i32.add (local.get $s3) (i32.const 16)))
      (br $by1))))

  ;; dst[k] = src[k] ^ (T + k) for n blocks, T = hi * 2^64 + lo, stored
  ;; little-endian: the tweak blocks of the TCCR hash. The caller splits a run
  ;; where lo would wrap (lo + n > 2^64), so only the low lane is incremented.
  (func (export "xor_counter") (param $dst i32) (param $src i32) (param $lo i64) (param $hi i64) (param $n i32)
    (local $end i32) (local $t v128)
    (local.set $t (i64x2.replace_lane 1 (i64x2.splat (local.get $lo)) (local.get $hi)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 4))))
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $dst) (i32.const 64)) (local.get $end)))
      (v128.store (local.get $dst) (v128.xor (v128.load (local.get $src)) (local.get $t)))
      (local.set $t (i64x2.add (local.get $t) (v128.const i64x2 1 0)))
      (v128.store offset=16 (local.get $dst) (v128.xor (v128.load offset=16 (local.get $src)) (local.get $t)))
      (local.set $t (i64x2.add (local.get $t) (v128.const i64x2 1 0)))
      (v128.store offset=32 (local.get $dst) (v128.xor (v128.load offset=32 (local.get $src)) (local.get $t)))
      (local.set $t (i64x2.add (local.get $t) (v128.const i64x2 1 0)))
      (v128.store offset=48 (local.get $dst) (v128.xor (v128.load offset=48 (local.get $src)) (local.get $t)))
      (local.set $t (i64x2.add (local.get $t) (v128.const i64x2 1 0)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64))) (local.set $src (i32.add (local.get $src) (i32.const 64)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (v128.store (local.get $dst) (v128.xor (v128.load (local.get $src)) (local.get $t)))
      (local.set $t (i64x2.add (local.get $t) (v128.const i64x2 1 0)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16))) (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br $by1))))
)
