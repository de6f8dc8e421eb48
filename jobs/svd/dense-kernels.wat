;; The single-vector Lanczos step's Gram–Schmidt loops as WebAssembly (compiled code from the first
;; call; the JavaScript loops run interpreted for much of a small matrix's solve). dense-wasm.ts runs
;; them; they perform the very floating-point operations of dense-block.ts's dots() and combineInto()
;; for one block vector (b = 1), in the same order, so the bits are the same:
;;
;;   dots1      out[i] = q_i · z for i < s: rows of 4 (four sums a0..a3 over j ascending, as dots()'s
;;              4 × 1 tiles), the last s mod 4 one at a time (as dot())
;;   combine1   out += alpha · Σ_i y[i] q_i: 4 basis vectors per pass,
;;              out[j] += ((q_i[j]·b_i + q_i+1[j]·b_i+1) + q_i+2[j]·b_i+2) + q_i+3[j]·b_i+3 with
;;              b = alpha·y; then one at a time, skipping a zero coefficient (as axpy())
;;
;; Pointers are byte offsets into the exported memory; q holds basis vectors of n Float64, one
;; after the other (column-major, as dense-block.ts).

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
            (block $done
              (loop $each
                (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
                (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64.mul (local.get $b0) (f64.load (local.get $q0)))))
                (local.set $q0 (i32.add (local.get $q0) (i32.const 8)))
                (local.set $o (i32.add (local.get $o) (i32.const 8)))
                (br $each)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rest)))))
