;; The single-vector Lanczos step's Gram–Schmidt loops as WebAssembly (compiled code from the first
;; call; the JavaScript loops run interpreted for much of a small matrix's solve). dense-wasm.ts runs
;; them; they perform the very floating-point operations of dense-block.ts's dots() and combineInto()
;; for one block vector (b = 1), in the same order, so the bits are the same:
;;
;;   dots1      out[i] = q_i · z for i < s: rows of 4 (four sums a0..a3 over j ascending, as dots()'s
;;              4 × 1 tiles), the last s mod 4 one at a time (as dot())
;;   combine1   out += alpha · Σ_i y[i] q_i: 4 basis vectors per pass,
;;              out[j] += ((q_i[j]·b_i + q_i+1[j]·b_i+1) + q_i+2[j]·b_i+2) + q_i+3[j]·b_i+3 with
;;              b = alpha·y; then one at a time, skipping a zero coefficient (as axpy()); entries j, j + 1
;;              in SIMD lanes (f64x2 mul and add round as f64 mul and add do), an odd n's last alone
;;   scale1     z[j] = z[j]·a for j < n (orthonormalizeBlock's normalization of one vector)
;;   rowsSigned out[j·k + c] = ±x_c[j] (x column-major n × k, out row-major): dense-block.ts's
;;              toRowMajor then fixSigns (a column negated when its first entry of largest magnitude
;;              is negative)
;;
;; and for a block of b = 4·g vectors (the block Lanczos step), in SIMD pairs whose every lane does
;; the scalar code's operations in its order (f64x2 mul and add round as f64 mul and add do):
;;
;;   dots4      out[i·ldOut + c] = q_i · z_c for i < s, c < 4, z the 4 vectors interleaved (z[j·4 + c]):
;;              lanes (c, c+1), each sum over j ascending from 0, as dots()'s 4 × 4 tiles and dot()
;;   combine4   out_c += alpha · Σ_i y[i·ldY + c] q_i for c < 4 (out column-major): lanes (j, j+1),
;;              4 basis vectors per pass as combineInto()'s tiles, then one at a time skipping a zero
;;              coefficient (as axpy()); an odd n's last entry in scalar code, same operations
;;
;; Pointers are byte offsets into the exported memory; q holds basis vectors of n Float64, one
;; after the other (column-major, as dense-block.ts); ldOut and ldY are in bytes.

(module
  (memory (export "memory") 1)

  (func (export "dots1") (param $out i32) (param $q i32) (param $s i32) (param $z i32) (param $n i32)
    (local $i i32) (local $j i32) (local $stride i32) (local $q0 i32) (local $zj i32) (local $end i32)
    (local $y f64) (local $a0 f64) (local $a1 f64) (local $a2 f64) (local $a3 f64)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (local.set $end (i32.add (local.get $z) (local.get $stride)))
    (block $tiles_done
      (loop $tiles
        (br_if $tiles_done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $s)))
        (local.set $q0 (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $a0 (f64.const 0)) (local.set $a1 (f64.const 0)) (local.set $a2 (f64.const 0)) (local.set $a3 (f64.const 0))
        (local.set $zj (local.get $z))
        (block $done
          (loop $each
            (br_if $done (i32.ge_u (local.get $zj) (local.get $end)))
            (local.set $y (f64.load (local.get $zj)))
            (local.set $a0 (f64.add (local.get $a0) (f64.mul (f64.load (local.get $q0)) (local.get $y))))
            (local.set $a1 (f64.add (local.get $a1) (f64.mul (f64.load (i32.add (local.get $q0) (local.get $stride))) (local.get $y))))
            (local.set $a2 (f64.add (local.get $a2) (f64.mul (f64.load (i32.add (local.get $q0) (i32.shl (local.get $stride) (i32.const 1)))) (local.get $y))))
            (local.set $a3 (f64.add (local.get $a3) (f64.mul (f64.load (i32.add (local.get $q0) (i32.mul (local.get $stride) (i32.const 3)))) (local.get $y))))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 8)))
            (local.set $zj (i32.add (local.get $zj) (i32.const 8)))
            (br $each)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))) (local.get $a0))
        (f64.store offset=8 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))) (local.get $a1))
        (f64.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))) (local.get $a2))
        (f64.store offset=24 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))) (local.get $a3))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tiles)))
    (block $rest_done
      (loop $rest
        (br_if $rest_done (i32.ge_s (local.get $i) (local.get $s)))
        (local.set $q0 (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $a0 (f64.const 0))
        (local.set $zj (local.get $z))
        (block $done
          (loop $each
            (br_if $done (i32.ge_u (local.get $zj) (local.get $end)))
            (local.set $a0 (f64.add (local.get $a0) (f64.mul (f64.load (local.get $q0)) (f64.load (local.get $zj)))))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 8)))
            (local.set $zj (i32.add (local.get $zj) (i32.const 8)))
            (br $each)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))) (local.get $a0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rest))))

  (func (export "combine1") (param $out i32) (param $q i32) (param $s i32) (param $y i32) (param $n i32) (param $alpha f64)
    (local $i i32) (local $stride i32) (local $q0 i32) (local $o i32) (local $end i32)
    (local $b0 f64) (local $b1 f64) (local $b2 f64) (local $b3 f64)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (local.set $end (i32.add (local.get $out) (local.get $stride)))
    (block $tiles_done
      (loop $tiles
        (br_if $tiles_done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $s)))
        (local.set $q0 (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $b0 (f64.mul (local.get $alpha) (f64.load (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $b1 (f64.mul (local.get $alpha) (f64.load offset=8 (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $b2 (f64.mul (local.get $alpha) (f64.load offset=16 (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $b3 (f64.mul (local.get $alpha) (f64.load offset=24 (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $o (local.get $out))
        ;; entries j, j + 1 in SIMD lanes (each lane the scalar expression below), an odd n's last alone
        (local.set $v0 (f64x2.splat (local.get $b0)))
        (local.set $v1 (f64x2.splat (local.get $b1)))
        (local.set $v2 (f64x2.splat (local.get $b2)))
        (local.set $v3 (f64x2.splat (local.get $b3)))
        (block $pairs_done
          (loop $pairs
            (br_if $pairs_done (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $end)))
            (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o))
              (f64x2.add (f64x2.add (f64x2.add
                (f64x2.mul (v128.load (local.get $q0)) (local.get $v0))
                (f64x2.mul (v128.load (i32.add (local.get $q0) (local.get $stride))) (local.get $v1)))
                (f64x2.mul (v128.load (i32.add (local.get $q0) (i32.shl (local.get $stride) (i32.const 1)))) (local.get $v2)))
                (f64x2.mul (v128.load (i32.add (local.get $q0) (i32.mul (local.get $stride) (i32.const 3)))) (local.get $v3)))))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 16)))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $pairs)))
        (block $done
          (loop $each
            (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
            (f64.store (local.get $o) (f64.add (f64.load (local.get $o))
              (f64.add (f64.add (f64.add
                (f64.mul (f64.load (local.get $q0)) (local.get $b0))
                (f64.mul (f64.load (i32.add (local.get $q0) (local.get $stride))) (local.get $b1)))
                (f64.mul (f64.load (i32.add (local.get $q0) (i32.shl (local.get $stride) (i32.const 1)))) (local.get $b2)))
                (f64.mul (f64.load (i32.add (local.get $q0) (i32.mul (local.get $stride) (i32.const 3)))) (local.get $b3)))))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 8)))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))
            (br $each)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tiles)))
    (block $rest_done
      (loop $rest
        (br_if $rest_done (i32.ge_s (local.get $i) (local.get $s)))
        (local.set $b0 (f64.mul (local.get $alpha) (f64.load (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))))))
        (if (f64.ne (local.get $b0) (f64.const 0))
          (then
            (local.set $q0 (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $stride))))
            (local.set $o (local.get $out))
            (local.set $v0 (f64x2.splat (local.get $b0)))
            (block $pairs_done
              (loop $pairs
                (br_if $pairs_done (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $end)))
                (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o)) (f64x2.mul (local.get $v0) (v128.load (local.get $q0)))))
                (local.set $q0 (i32.add (local.get $q0) (i32.const 16)))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (br $pairs)))
            (block $done
              (loop $each
                (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
                (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64.mul (local.get $b0) (f64.load (local.get $q0)))))
                (local.set $q0 (i32.add (local.get $q0) (i32.const 8)))
                (local.set $o (i32.add (local.get $o) (i32.const 8)))
                (br $each)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rest))))

  (func (export "dots4") (param $out i32) (param $ldOut i32) (param $q i32) (param $s i32) (param $z i32) (param $n i32)
    (local $i i32) (local $stride i32) (local $q0 i32) (local $zj i32) (local $end i32) (local $o i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $ylo v128) (local $yhi v128)
    (local $a0l v128) (local $a0h v128) (local $a1l v128) (local $a1h v128)
    (local $a2l v128) (local $a2h v128) (local $a3l v128) (local $a3h v128)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (local.set $end (i32.add (local.get $z) (i32.shl (local.get $n) (i32.const 5))))
    (block $tiles_done
      (loop $tiles
        (br_if $tiles_done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $s)))
        (local.set $q0 (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $a0l (f64x2.splat (f64.const 0))) (local.set $a0h (f64x2.splat (f64.const 0)))
        (local.set $a1l (f64x2.splat (f64.const 0))) (local.set $a1h (f64x2.splat (f64.const 0)))
        (local.set $a2l (f64x2.splat (f64.const 0))) (local.set $a2h (f64x2.splat (f64.const 0)))
        (local.set $a3l (f64x2.splat (f64.const 0))) (local.set $a3h (f64x2.splat (f64.const 0)))
        (local.set $zj (local.get $z))
        (block $done
          (loop $each
            (br_if $done (i32.ge_u (local.get $zj) (local.get $end)))
            (local.set $ylo (v128.load (local.get $zj)))
            (local.set $yhi (v128.load offset=16 (local.get $zj)))
            (local.set $x0 (v128.load64_splat (local.get $q0)))
            (local.set $x1 (v128.load64_splat (i32.add (local.get $q0) (local.get $stride))))
            (local.set $x2 (v128.load64_splat (i32.add (local.get $q0) (i32.shl (local.get $stride) (i32.const 1)))))
            (local.set $x3 (v128.load64_splat (i32.add (local.get $q0) (i32.mul (local.get $stride) (i32.const 3)))))
            (local.set $a0l (f64x2.add (local.get $a0l) (f64x2.mul (local.get $x0) (local.get $ylo))))
            (local.set $a0h (f64x2.add (local.get $a0h) (f64x2.mul (local.get $x0) (local.get $yhi))))
            (local.set $a1l (f64x2.add (local.get $a1l) (f64x2.mul (local.get $x1) (local.get $ylo))))
            (local.set $a1h (f64x2.add (local.get $a1h) (f64x2.mul (local.get $x1) (local.get $yhi))))
            (local.set $a2l (f64x2.add (local.get $a2l) (f64x2.mul (local.get $x2) (local.get $ylo))))
            (local.set $a2h (f64x2.add (local.get $a2h) (f64x2.mul (local.get $x2) (local.get $yhi))))
            (local.set $a3l (f64x2.add (local.get $a3l) (f64x2.mul (local.get $x3) (local.get $ylo))))
            (local.set $a3h (f64x2.add (local.get $a3h) (f64x2.mul (local.get $x3) (local.get $yhi))))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 8)))
            (local.set $zj (i32.add (local.get $zj) (i32.const 32)))
            (br $each)))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $ldOut))))
        (v128.store (local.get $o) (local.get $a0l)) (v128.store offset=16 (local.get $o) (local.get $a0h))
        (local.set $o (i32.add (local.get $o) (local.get $ldOut)))
        (v128.store (local.get $o) (local.get $a1l)) (v128.store offset=16 (local.get $o) (local.get $a1h))
        (local.set $o (i32.add (local.get $o) (local.get $ldOut)))
        (v128.store (local.get $o) (local.get $a2l)) (v128.store offset=16 (local.get $o) (local.get $a2h))
        (local.set $o (i32.add (local.get $o) (local.get $ldOut)))
        (v128.store (local.get $o) (local.get $a3l)) (v128.store offset=16 (local.get $o) (local.get $a3h))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tiles)))
    (block $rest_done
      (loop $rest
        (br_if $rest_done (i32.ge_s (local.get $i) (local.get $s)))
        (local.set $q0 (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $a0l (f64x2.splat (f64.const 0))) (local.set $a0h (f64x2.splat (f64.const 0)))
        (local.set $zj (local.get $z))
        (block $done
          (loop $each
            (br_if $done (i32.ge_u (local.get $zj) (local.get $end)))
            (local.set $x0 (v128.load64_splat (local.get $q0)))
            (local.set $a0l (f64x2.add (local.get $a0l) (f64x2.mul (local.get $x0) (v128.load (local.get $zj)))))
            (local.set $a0h (f64x2.add (local.get $a0h) (f64x2.mul (local.get $x0) (v128.load offset=16 (local.get $zj)))))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 8)))
            (local.set $zj (i32.add (local.get $zj) (i32.const 32)))
            (br $each)))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $ldOut))))
        (v128.store (local.get $o) (local.get $a0l)) (v128.store offset=16 (local.get $o) (local.get $a0h))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rest))))

  (func (export "combine4") (param $out i32) (param $q i32) (param $s i32) (param $y i32) (param $ldY i32) (param $n i32) (param $alpha f64)
    (local $i i32) (local $c i32) (local $stride i32) (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32)
    (local $p i32) (local $pairs i32) (local $o i32) (local $yi i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $b00 v128) (local $b01 v128) (local $b02 v128) (local $b03 v128)
    (local $b10 v128) (local $b11 v128) (local $b12 v128) (local $b13 v128)
    (local $b20 v128) (local $b21 v128) (local $b22 v128) (local $b23 v128)
    (local $b30 v128) (local $b31 v128) (local $b32 v128) (local $b33 v128)
    (local $a f64)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    ;; bytes covered by whole pairs (j, j+1)
    (local.set $pairs (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 4)))
    (block $tiles_done
      (loop $tiles
        (br_if $tiles_done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $s)))
        (local.set $q0 (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $q1 (i32.add (local.get $q0) (local.get $stride)))
        (local.set $q2 (i32.add (local.get $q1) (local.get $stride)))
        (local.set $q3 (i32.add (local.get $q2) (local.get $stride)))
        (local.set $yi (i32.add (local.get $y) (i32.mul (local.get $i) (local.get $ldY))))
        (local.set $b00 (f64x2.splat (f64.mul (local.get $alpha) (f64.load (local.get $yi)))))
        (local.set $b01 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=8 (local.get $yi)))))
        (local.set $b02 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=16 (local.get $yi)))))
        (local.set $b03 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=24 (local.get $yi)))))
        (local.set $yi (i32.add (local.get $yi) (local.get $ldY)))
        (local.set $b10 (f64x2.splat (f64.mul (local.get $alpha) (f64.load (local.get $yi)))))
        (local.set $b11 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=8 (local.get $yi)))))
        (local.set $b12 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=16 (local.get $yi)))))
        (local.set $b13 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=24 (local.get $yi)))))
        (local.set $yi (i32.add (local.get $yi) (local.get $ldY)))
        (local.set $b20 (f64x2.splat (f64.mul (local.get $alpha) (f64.load (local.get $yi)))))
        (local.set $b21 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=8 (local.get $yi)))))
        (local.set $b22 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=16 (local.get $yi)))))
        (local.set $b23 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=24 (local.get $yi)))))
        (local.set $yi (i32.add (local.get $yi) (local.get $ldY)))
        (local.set $b30 (f64x2.splat (f64.mul (local.get $alpha) (f64.load (local.get $yi)))))
        (local.set $b31 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=8 (local.get $yi)))))
        (local.set $b32 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=16 (local.get $yi)))))
        (local.set $b33 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=24 (local.get $yi)))))
        (local.set $p (i32.const 0))
        (block $done
          (loop $each
            (br_if $done (i32.ge_u (local.get $p) (local.get $pairs)))
            (local.set $x0 (v128.load (i32.add (local.get $q0) (local.get $p))))
            (local.set $x1 (v128.load (i32.add (local.get $q1) (local.get $p))))
            (local.set $x2 (v128.load (i32.add (local.get $q2) (local.get $p))))
            (local.set $x3 (v128.load (i32.add (local.get $q3) (local.get $p))))
            (local.set $o (i32.add (local.get $out) (local.get $p)))
            (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o))
              (f64x2.add (f64x2.add (f64x2.add (f64x2.mul (local.get $x0) (local.get $b00)) (f64x2.mul (local.get $x1) (local.get $b10)))
                (f64x2.mul (local.get $x2) (local.get $b20))) (f64x2.mul (local.get $x3) (local.get $b30)))))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o))
              (f64x2.add (f64x2.add (f64x2.add (f64x2.mul (local.get $x0) (local.get $b01)) (f64x2.mul (local.get $x1) (local.get $b11)))
                (f64x2.mul (local.get $x2) (local.get $b21))) (f64x2.mul (local.get $x3) (local.get $b31)))))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o))
              (f64x2.add (f64x2.add (f64x2.add (f64x2.mul (local.get $x0) (local.get $b02)) (f64x2.mul (local.get $x1) (local.get $b12)))
                (f64x2.mul (local.get $x2) (local.get $b22))) (f64x2.mul (local.get $x3) (local.get $b32)))))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o))
              (f64x2.add (f64x2.add (f64x2.add (f64x2.mul (local.get $x0) (local.get $b03)) (f64x2.mul (local.get $x1) (local.get $b13)))
                (f64x2.mul (local.get $x2) (local.get $b23))) (f64x2.mul (local.get $x3) (local.get $b33)))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $each)))
        ;; an odd n's last entry: the same operations on lane 0
        (if (i32.and (local.get $n) (i32.const 1))
          (then
            (local.set $x0 (v128.load64_splat (i32.add (local.get $q0) (local.get $p))))
            (local.set $x1 (v128.load64_splat (i32.add (local.get $q1) (local.get $p))))
            (local.set $x2 (v128.load64_splat (i32.add (local.get $q2) (local.get $p))))
            (local.set $x3 (v128.load64_splat (i32.add (local.get $q3) (local.get $p))))
            (local.set $o (i32.add (local.get $out) (local.get $p)))
            (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64x2.extract_lane 0
              (f64x2.add (f64x2.add (f64x2.add (f64x2.mul (local.get $x0) (local.get $b00)) (f64x2.mul (local.get $x1) (local.get $b10)))
                (f64x2.mul (local.get $x2) (local.get $b20))) (f64x2.mul (local.get $x3) (local.get $b30))))))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64x2.extract_lane 0
              (f64x2.add (f64x2.add (f64x2.add (f64x2.mul (local.get $x0) (local.get $b01)) (f64x2.mul (local.get $x1) (local.get $b11)))
                (f64x2.mul (local.get $x2) (local.get $b21))) (f64x2.mul (local.get $x3) (local.get $b31))))))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64x2.extract_lane 0
              (f64x2.add (f64x2.add (f64x2.add (f64x2.mul (local.get $x0) (local.get $b02)) (f64x2.mul (local.get $x1) (local.get $b12)))
                (f64x2.mul (local.get $x2) (local.get $b22))) (f64x2.mul (local.get $x3) (local.get $b32))))))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64x2.extract_lane 0
              (f64x2.add (f64x2.add (f64x2.add (f64x2.mul (local.get $x0) (local.get $b03)) (f64x2.mul (local.get $x1) (local.get $b13)))
                (f64x2.mul (local.get $x2) (local.get $b23))) (f64x2.mul (local.get $x3) (local.get $b33))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tiles)))
    ;; remaining basis vectors, one at a time, each column's zero coefficient skipped (axpy)
    (block $rest_done
      (loop $rest
        (br_if $rest_done (i32.ge_s (local.get $i) (local.get $s)))
        (local.set $q0 (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $c (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_s (local.get $c) (i32.const 4)))
            (local.set $a (f64.mul (local.get $alpha)
              (f64.load (i32.add (i32.add (local.get $y) (i32.mul (local.get $i) (local.get $ldY))) (i32.shl (local.get $c) (i32.const 3))))))
            (if (f64.ne (local.get $a) (f64.const 0))
              (then
                (local.set $b00 (f64x2.splat (local.get $a)))
                (local.set $o (i32.add (local.get $out) (i32.mul (local.get $c) (local.get $stride))))
                (local.set $p (i32.const 0))
                (block $done
                  (loop $each
                    (br_if $done (i32.ge_u (local.get $p) (local.get $pairs)))
                    (v128.store (i32.add (local.get $o) (local.get $p)) (f64x2.add (v128.load (i32.add (local.get $o) (local.get $p)))
                      (f64x2.mul (local.get $b00) (v128.load (i32.add (local.get $q0) (local.get $p))))))
                    (local.set $p (i32.add (local.get $p) (i32.const 16)))
                    (br $each)))
                (if (i32.and (local.get $n) (i32.const 1))
                  (then
                    (f64.store (i32.add (local.get $o) (local.get $p)) (f64.add (f64.load (i32.add (local.get $o) (local.get $p)))
                      (f64.mul (local.get $a) (f64.load (i32.add (local.get $q0) (local.get $p))))))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rest))))

  (func (export "scale1") (param $z i32) (param $n i32) (param $a f64)
    (local $end i32)
    (local.set $end (i32.add (local.get $z) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $z) (local.get $end)))
        (f64.store (local.get $z) (f64.mul (f64.load (local.get $z)) (local.get $a)))
        (local.set $z (i32.add (local.get $z) (i32.const 8)))
        (br $each))))

  (func (export "rowsSigned") (param $out i32) (param $x i32) (param $n i32) (param $k i32)
    (local $c i32) (local $j i32) (local $col i32) (local $end i32) (local $p i32) (local $o i32)
    (local $best f64) (local $v f64) (local $flip i32)
    (block $cols_done
      (loop $cols
        (br_if $cols_done (i32.ge_s (local.get $c) (local.get $k)))
        (local.set $col (i32.add (local.get $x) (i32.mul (local.get $c) (i32.shl (local.get $n) (i32.const 3)))))
        (local.set $end (i32.add (local.get $col) (i32.shl (local.get $n) (i32.const 3))))
        ;; the first entry of largest magnitude
        (local.set $best (f64.const 0))
        (local.set $p (local.get $col))
        (block $scan_done
          (loop $scan
            (br_if $scan_done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $v (f64.load (local.get $p)))
            (if (f64.gt (f64.abs (local.get $v)) (f64.abs (local.get $best))) (then (local.set $best (local.get $v))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (br $scan)))
        (local.set $flip (f64.lt (local.get $best) (f64.const 0)))
        ;; column c into out[j·k + c], negated when that entry is negative
        (local.set $p (local.get $col))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 3))))
        (block $copy_done
          (loop $copy
            (br_if $copy_done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $v (f64.load (local.get $p)))
            (if (local.get $flip) (then (local.set $v (f64.neg (local.get $v)))))
            (f64.store (local.get $o) (local.get $v))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (local.set $o (i32.add (local.get $o) (i32.shl (local.get $k) (i32.const 3))))
            (br $copy)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $cols)))))
