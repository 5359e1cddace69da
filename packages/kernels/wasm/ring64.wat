;; Z_2^64 arithmetic on vectors of 64-bit words with WebAssembly SIMD (i64x2),
;; the share arithmetic of the secret-sharing engine: every function works on
;; n elements at byte addresses (8-byte aligned), results mod 2^64. $out may be
;; one of the operands (in place); other overlaps are not allowed. The JS
;; wrappers (src/ring64.ts) check bounds before calling.
(module
  (import "env" "memory" (memory 1))

  ;; out[i] = a[i] + b[i]
  (func (export "add64") (param $out i32) (param $a i32) (param $b i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))))
    ;; four elements (two vectors) per iteration while at least four remain
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $out) (i32.const 32)) (local.get $end)))
      (v128.store (local.get $out) (i64x2.add (v128.load (local.get $a)) (v128.load (local.get $b))))
      (v128.store offset=16 (local.get $out) (i64x2.add (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))
      (local.set $out (i32.add (local.get $out) (i32.const 32))) (local.set $a (i32.add (local.get $a) (i32.const 32))) (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (i64.store (local.get $out) (i64.add (i64.load (local.get $a)) (i64.load (local.get $b))))
      (local.set $out (i32.add (local.get $out) (i32.const 8))) (local.set $a (i32.add (local.get $a) (i32.const 8))) (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (br $by1))))

  ;; out[i] = a[i] - b[i]
  (func (export "sub64") (param $out i32) (param $a i32) (param $b i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))))
    ;; four elements (two vectors) per iteration while at least four remain
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $out) (i32.const 32)) (local.get $end)))
      (v128.store (local.get $out) (i64x2.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
      (v128.store offset=16 (local.get $out) (i64x2.sub (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))
      (local.set $out (i32.add (local.get $out) (i32.const 32))) (local.set $a (i32.add (local.get $a) (i32.const 32))) (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (i64.store (local.get $out) (i64.sub (i64.load (local.get $a)) (i64.load (local.get $b))))
      (local.set $out (i32.add (local.get $out) (i32.const 8))) (local.set $a (i32.add (local.get $a) (i32.const 8))) (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (br $by1))))

  ;; out[i] = x[i] * y[i]
  (func (export "mul64") (param $out i32) (param $x i32) (param $y i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))))
    ;; four elements (two vectors) per iteration while at least four remain
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $out) (i32.const 32)) (local.get $end)))
      (v128.store (local.get $out) (i64x2.mul (v128.load (local.get $x)) (v128.load (local.get $y))))
      (v128.store offset=16 (local.get $out) (i64x2.mul (v128.load offset=16 (local.get $x)) (v128.load offset=16 (local.get $y))))
      (local.set $out (i32.add (local.get $out) (i32.const 32))) (local.set $x (i32.add (local.get $x) (i32.const 32))) (local.set $y (i32.add (local.get $y) (i32.const 32)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (i64.store (local.get $out) (i64.mul (i64.load (local.get $x)) (i64.load (local.get $y))))
      (local.set $out (i32.add (local.get $out) (i32.const 8))) (local.set $x (i32.add (local.get $x) (i32.const 8))) (local.set $y (i32.add (local.get $y) (i32.const 8)))
      (br $by1))))

  ;; out[i] += x[i] * y[i]
  (func (export "mul_add64") (param $out i32) (param $x i32) (param $y i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))))
    ;; four elements (two vectors) per iteration while at least four remain
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $out) (i32.const 32)) (local.get $end)))
      (v128.store (local.get $out) (i64x2.add (v128.load (local.get $out)) (i64x2.mul (v128.load (local.get $x)) (v128.load (local.get $y)))))
      (v128.store offset=16 (local.get $out) (i64x2.add (v128.load offset=16 (local.get $out)) (i64x2.mul (v128.load offset=16 (local.get $x)) (v128.load offset=16 (local.get $y)))))
      (local.set $out (i32.add (local.get $out) (i32.const 32))) (local.set $x (i32.add (local.get $x) (i32.const 32))) (local.set $y (i32.add (local.get $y) (i32.const 32)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (i64.store (local.get $out) (i64.add (i64.load (local.get $out)) (i64.mul (i64.load (local.get $x)) (i64.load (local.get $y)))))
      (local.set $out (i32.add (local.get $out) (i32.const 8))) (local.set $x (i32.add (local.get $x) (i32.const 8))) (local.set $y (i32.add (local.get $y) (i32.const 8)))
      (br $by1))))

  ;; out[i] = x0[i]*y0[i] + x0[i]*y1[i] + x1[i]*y0[i] = x0*(y0 + y1) + x1*y0 (replicated sharing)
  (func (export "cross_mul64") (param $out i32) (param $x0 i32) (param $x1 i32) (param $y0 i32) (param $y1 i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))))
    ;; four elements (two vectors) per iteration while at least four remain
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $out) (i32.const 32)) (local.get $end)))
      (v128.store (local.get $out) (i64x2.add (i64x2.mul (v128.load (local.get $x0)) (i64x2.add (v128.load (local.get $y0)) (v128.load (local.get $y1)))) (i64x2.mul (v128.load (local.get $x1)) (v128.load (local.get $y0)))))
      (v128.store offset=16 (local.get $out) (i64x2.add (i64x2.mul (v128.load offset=16 (local.get $x0)) (i64x2.add (v128.load offset=16 (local.get $y0)) (v128.load offset=16 (local.get $y1)))) (i64x2.mul (v128.load offset=16 (local.get $x1)) (v128.load offset=16 (local.get $y0)))))
      (local.set $out (i32.add (local.get $out) (i32.const 32))) (local.set $x0 (i32.add (local.get $x0) (i32.const 32))) (local.set $x1 (i32.add (local.get $x1) (i32.const 32))) (local.set $y0 (i32.add (local.get $y0) (i32.const 32))) (local.set $y1 (i32.add (local.get $y1) (i32.const 32)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (i64.store (local.get $out) (i64.add (i64.mul (i64.load (local.get $x0)) (i64.add (i64.load (local.get $y0)) (i64.load (local.get $y1)))) (i64.mul (i64.load (local.get $x1)) (i64.load (local.get $y0)))))
      (local.set $out (i32.add (local.get $out) (i32.const 8))) (local.set $x0 (i32.add (local.get $x0) (i32.const 8))) (local.set $x1 (i32.add (local.get $x1) (i32.const 8))) (local.set $y0 (i32.add (local.get $y0) (i32.const 8))) (local.set $y1 (i32.add (local.get $y1) (i32.const 8)))
      (br $by1))))

  ;; out[i] = c[i] + d[i]*b[i] + e[i]*a[i] (+ d[i]*e[i] when $first != 0) = c + d*(b + (e & mask)) + e*a
  (func (export "beaver_mul64") (param $out i32) (param $a i32) (param $b i32) (param $c i32) (param $d i32) (param $e i32) (param $first i32) (param $n i32)
    (local $end i32) (local $fs i64) (local $fv v128)
    ;; first != 0: all-ones mask, so the d*e term is added
    (local.set $fs (i64.extend_i32_s (i32.sub (i32.const 0) (i32.ne (local.get $first) (i32.const 0)))))
    (local.set $fv (i64x2.splat (local.get $fs)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))))
    ;; four elements (two vectors) per iteration while at least four remain
    (block $tail (loop $by4
      (br_if $tail (i32.gt_u (i32.add (local.get $out) (i32.const 32)) (local.get $end)))
      (v128.store (local.get $out) (i64x2.add (i64x2.add (v128.load (local.get $c)) (i64x2.mul (v128.load (local.get $d)) (i64x2.add (v128.load (local.get $b)) (v128.and (v128.load (local.get $e)) (local.get $fv))))) (i64x2.mul (v128.load (local.get $e)) (v128.load (local.get $a)))))
      (v128.store offset=16 (local.get $out) (i64x2.add (i64x2.add (v128.load offset=16 (local.get $c)) (i64x2.mul (v128.load offset=16 (local.get $d)) (i64x2.add (v128.load offset=16 (local.get $b)) (v128.and (v128.load offset=16 (local.get $e)) (local.get $fv))))) (i64x2.mul (v128.load offset=16 (local.get $e)) (v128.load offset=16 (local.get $a)))))
      (local.set $out (i32.add (local.get $out) (i32.const 32))) (local.set $a (i32.add (local.get $a) (i32.const 32))) (local.set $b (i32.add (local.get $b) (i32.const 32))) (local.set $c (i32.add (local.get $c) (i32.const 32))) (local.set $d (i32.add (local.get $d) (i32.const 32))) (local.set $e (i32.add (local.get $e) (i32.const 32)))
      (br $by4)))
    (block $done (loop $by1
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (i64.store (local.get $out) (i64.add (i64.add (i64.load (local.get $c)) (i64.mul (i64.load (local.get $d)) (i64.add (i64.load (local.get $b)) (i64.and (i64.load (local.get $e)) (local.get $fs))))) (i64.mul (i64.load (local.get $e)) (i64.load (local.get $a)))))
      (local.set $out (i32.add (local.get $out) (i32.const 8))) (local.set $a (i32.add (local.get $a) (i32.const 8))) (local.set $b (i32.add (local.get $b) (i32.const 8))) (local.set $c (i32.add (local.get $c) (i32.const 8))) (local.set $d (i32.add (local.get $d) (i32.const 8))) (local.set $e (i32.add (local.get $e) (i32.const 8)))
      (br $by1)))))
