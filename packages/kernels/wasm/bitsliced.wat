;; Bit-sliced boolean gates with WebAssembly SIMD: 64 boolean values per
;; 64-bit word (value i in bit i & 63 of word i >> 6), n words at byte
;; addresses (8-byte aligned). $out may be an operand (in place). The JS
;; wrappers (src/bitsliced.ts) check bounds before calling.
(module
  (import "env" "memory" (memory 1))

  ;; out[i] = a[i] & b[i]
  (func (export "and64") (param $out i32) (param $a i32) (param $b i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))))
    ;; four elements (two vectors) per iteration while at least four remain
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $out) (i32.const 32)) (local.get $end)))
      (v128.store (local.get $out) (v128.and (v128.load (local.get $a)) (v128.load (local.get $b))))
      (v128.store offset=16 (local.get $out) (v128.and (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))
      (local.set $out (i32.add (local.get $out) (i32.const 32))) (local.set $a (i32.add (local.get $a) (i32.const 32))) (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (i64.store (local.get $out) (i64.and (i64.load (local.get $a)) (i64.load (local.get $b))))
      (local.set $out (i32.add (local.get $out) (i32.const 8))) (local.set $a (i32.add (local.get $a) (i32.const 8))) (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (br $by1))))

  ;; out[i] = a[i] ^ b[i]
  (func (export "xor64") (param $out i32) (param $a i32) (param $b i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))))
    ;; four elements (two vectors) per iteration while at least four remain
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $out) (i32.const 32)) (local.get $end)))
      (v128.store (local.get $out) (v128.xor (v128.load (local.get $a)) (v128.load (local.get $b))))
      (v128.store offset=16 (local.get $out) (v128.xor (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))
      (local.set $out (i32.add (local.get $out) (i32.const 32))) (local.set $a (i32.add (local.get $a) (i32.const 32))) (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (i64.store (local.get $out) (i64.xor (i64.load (local.get $a)) (i64.load (local.get $b))))
      (local.set $out (i32.add (local.get $out) (i32.const 8))) (local.set $a (i32.add (local.get $a) (i32.const 8))) (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (br $by1)))))
