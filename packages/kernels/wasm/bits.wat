;; Bit packing with WebAssembly SIMD (v128): one byte per bit (0 or 1) <-> a
;; packed bit string, bit k = bit (k & 7) of byte (k >> 3) (LSB first), 16
;; bits per step. The JS wrappers pad the byte side to a multiple of 16.
(module
  (import "env" "memory" (memory 1))

  ;; Packs 16*groups bytes at $src into 2*groups bytes at $dst. Returns 1 when
  ;; every source byte is 0 or 1, else 0 (the packed bits are then undefined).
  (func (export "pack_bits") (param $dst i32) (param $src i32) (param $groups i32) (result i32)
    (local $end i32) (local $v v128) (local $bad v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $groups) (i32.const 4))))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
      (local.set $v (v128.load (local.get $src)))
      (local.set $bad (v128.or (local.get $bad) (v128.and (local.get $v) (i8x16.splat (i32.const 0xfe)))))
      ;; 0 - 1 = 0xff has its top bit set, 0 - 0 = 0 has not
      (i32.store16 (local.get $dst) (i8x16.bitmask (i8x16.sub (v128.const i64x2 0 0) (local.get $v))))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 2)))
      (br $each)))
    (i32.eqz (v128.any_true (local.get $bad))))

  ;; Unpacks 2*groups bytes at $src into 16*groups bytes (0 or 1) at $dst.
  (func (export "unpack_bits") (param $dst i32) (param $src i32) (param $groups i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $groups) (i32.const 1))))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
      ;; lane k gets byte k >> 3 of the 16 bits, then keeps bit k & 7
      (local.set $v (v128.and
        (i8x16.swizzle (i16x8.splat (i32.load16_u (local.get $src)))
          (v128.const i8x16 0 0 0 0 0 0 0 0 1 1 1 1 1 1 1 1))
        (v128.const i8x16 1 2 4 8 16 32 64 128 1 2 4 8 16 32 64 128)))
      (v128.store (local.get $dst) (v128.and (i8x16.ne (local.get $v) (v128.const i64x2 0 0)) (i8x16.splat (i32.const 1))))
      (local.set $src (i32.add (local.get $src) (i32.const 2)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br $each))))
)
