;; The inner loops of implicit ALS's conjugate gradient as WebAssembly SIMD (f64x2). This text is the
;; source: wasm-kernels.ts compiles it with wabt when first imported and keeps the JavaScript twin
;; (JsHeap there) that performs the very same floating-point operations in the same order.
;;
;;   ratingsApply   out += Σ_j w_j·(y_j·v)·y_j       over ratings j ∈ [start, end) with w_j ≠ 0
;;   gramApply      out_i = (G_i·v) + reg·v_i        G full kp×kp, row-major
;;   residualRows   out += Σ_j e_j·y_j, e_j = c_j − w_j·(y_j·x) (just c_j when w_j = 0), skipping e_j = 0
;;
;; ratingsApply and residualRows also store each dot product they form (y_j·v, y_j·x) at dots + 8·j
;; when dots ≠ 0: what the train loss needs (cg.ts) at one store per rating, no second pass.
;; Pointers are byte offsets into the exported memory (16-byte aligned): vectors of kp Float64 (kp a
;; multiple of 8, padded with zeros), ys as rows of kp Float32 (a row of ratings j starts at
;; ys + pos[j]·kp·4), pos Int32, w and c Float64.
;;
;; A dot product y·v walks the row in turns of 8 components (d = 64 bytes of Float64, dy = 32 bytes of
;; Float32): accumulator q (q = 0..3) gathers components 8t + 2q and 8t + 2q + 1 of every turn t, so
;; its lanes are the partial sums s_2q and s_2q+1, and the adds are 4 independent chains rather than
;; one. The dot product is then ((acc0 + acc1) + (acc2 + acc3)), lane 0 + lane 1. An axpy
;; (out += s·y) walks the same turns with s splat in acc0. Float32 components are promoted exactly
;; to f64 (v128.load64_zero, then f64x2.promote_low_f32x4).

(module
  (memory (export "memory") 1)

  ;; out += Σ_j w_j·(y_j·v)·y_j over ratings j ∈ [start, end) with w_j ≠ 0
  (func (export "ratingsApply")
    (param $ys i32) (param $pos i32) (param $w i32) (param $start i32) (param $end i32)
    (param $kp i32) (param $v i32) (param $out i32) (param $dots i32)
    (local $j i32) (local $o i32) (local $d i32) (local $bytes i32) (local $dy i32) (local $stride i32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $wj f64) (local $dot f64)
    (local.set $bytes (i32.shl (local.get $kp) (i32.const 3)))   ;; a Float64 vector: kp·8 bytes
    (local.set $stride (i32.shl (local.get $kp) (i32.const 2)))  ;; a Float32 row of ys: kp·4 bytes
    (local.set $j (local.get $start))
    (block $done
      (loop $rating
        (br_if $done (i32.ge_s (local.get $j) (local.get $end)))
        (if (f64.ne
              (local.tee $wj (f64.load (i32.add (local.get $w) (i32.shl (local.get $j) (i32.const 3)))))
              (f64.const 0))
          (then
            ;; o = ys + pos[j]·stride: row y_j
            (local.set $o (i32.add (local.get $ys)
              (i32.mul (i32.load (i32.add (local.get $pos) (i32.shl (local.get $j) (i32.const 2)))) (local.get $stride))))
            ;; acc0..acc3 = partial sums of y_j·v
            (local.set $acc0 (f64x2.splat (f64.const 0)))
            (local.set $acc1 (f64x2.splat (f64.const 0)))
            (local.set $acc2 (f64x2.splat (f64.const 0)))
            (local.set $acc3 (f64x2.splat (f64.const 0)))
            (local.set $d (i32.const 0))
            (local.set $dy (i32.const 0))
            (loop $dot
              (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul
                (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $o) (local.get $dy))))
                (v128.load (i32.add (local.get $v) (local.get $d))))))
              (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul
                (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (i32.add (local.get $o) (local.get $dy))))
                (v128.load offset=16 (i32.add (local.get $v) (local.get $d))))))
              (local.set $acc2 (f64x2.add (local.get $acc2) (f64x2.mul
                (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (i32.add (local.get $o) (local.get $dy))))
                (v128.load offset=32 (i32.add (local.get $v) (local.get $d))))))
              (local.set $acc3 (f64x2.add (local.get $acc3) (f64x2.mul
                (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (i32.add (local.get $o) (local.get $dy))))
                (v128.load offset=48 (i32.add (local.get $v) (local.get $d))))))
              (local.set $dy (i32.add (local.get $dy) (i32.const 32)))
              (br_if $dot (i32.lt_s (local.tee $d (i32.add (local.get $d) (i32.const 64))) (local.get $bytes))))
            ;; dot = y_j·v (stored at dots[j] when asked), acc0 = splat(w_j · dot)
            (local.set $acc0 (f64x2.add (f64x2.add (local.get $acc0) (local.get $acc1)) (f64x2.add (local.get $acc2) (local.get $acc3))))
            (local.set $dot (f64.add (f64x2.extract_lane 0 (local.get $acc0)) (f64x2.extract_lane 1 (local.get $acc0))))
            (if (local.get $dots)
              (then (f64.store (i32.add (local.get $dots) (i32.shl (local.get $j) (i32.const 3))) (local.get $dot))))
            (local.set $acc0 (f64x2.splat (f64.mul (local.get $wj) (local.get $dot))))
            ;; out += acc0 · y_j
            (local.set $d (i32.const 0))
            (local.set $dy (i32.const 0))
            (loop $axpy
              (v128.store (i32.add (local.get $out) (local.get $d))
                (f64x2.add (v128.load (i32.add (local.get $out) (local.get $d))) (f64x2.mul (local.get $acc0)
                  (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $o) (local.get $dy)))))))
              (v128.store offset=16 (i32.add (local.get $out) (local.get $d))
                (f64x2.add (v128.load offset=16 (i32.add (local.get $out) (local.get $d))) (f64x2.mul (local.get $acc0)
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (i32.add (local.get $o) (local.get $dy)))))))
              (v128.store offset=32 (i32.add (local.get $out) (local.get $d))
                (f64x2.add (v128.load offset=32 (i32.add (local.get $out) (local.get $d))) (f64x2.mul (local.get $acc0)
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (i32.add (local.get $o) (local.get $dy)))))))
              (v128.store offset=48 (i32.add (local.get $out) (local.get $d))
                (f64x2.add (v128.load offset=48 (i32.add (local.get $out) (local.get $d))) (f64x2.mul (local.get $acc0)
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (i32.add (local.get $o) (local.get $dy)))))))
              (local.set $dy (i32.add (local.get $dy) (i32.const 32)))
              (br_if $axpy (i32.lt_s (local.tee $d (i32.add (local.get $d) (i32.const 64))) (local.get $bytes))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $rating))))

  ;; out_i = (G_i·v) + reg·v_i for every row i of G (kp×kp Float64, row-major)
  (func (export "gramApply")
    (param $g i32) (param $v i32) (param $out i32) (param $kp i32) (param $reg f64)
    (local $i i32) (local $d i32) (local $row i32) (local $bytes i32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local.set $bytes (i32.shl (local.get $kp) (i32.const 3)))  ;; a row of G, and v: kp·8 bytes
    (local.set $row (local.get $g))
    (local.set $i (i32.const 0))                                ;; byte offset of component i in v and out
    (loop $rows
      ;; acc0..acc3 = partial sums of G_i·v
      (local.set $acc0 (f64x2.splat (f64.const 0)))
      (local.set $acc1 (f64x2.splat (f64.const 0)))
      (local.set $acc2 (f64x2.splat (f64.const 0)))
      (local.set $acc3 (f64x2.splat (f64.const 0)))
      (local.set $d (i32.const 0))
      (loop $dot
        (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul
          (v128.load (i32.add (local.get $row) (local.get $d)))
          (v128.load (i32.add (local.get $v) (local.get $d))))))
        (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul
          (v128.load offset=16 (i32.add (local.get $row) (local.get $d)))
          (v128.load offset=16 (i32.add (local.get $v) (local.get $d))))))
        (local.set $acc2 (f64x2.add (local.get $acc2) (f64x2.mul
          (v128.load offset=32 (i32.add (local.get $row) (local.get $d)))
          (v128.load offset=32 (i32.add (local.get $v) (local.get $d))))))
        (local.set $acc3 (f64x2.add (local.get $acc3) (f64x2.mul
          (v128.load offset=48 (i32.add (local.get $row) (local.get $d)))
          (v128.load offset=48 (i32.add (local.get $v) (local.get $d))))))
        (br_if $dot (i32.lt_s (local.tee $d (i32.add (local.get $d) (i32.const 64))) (local.get $bytes))))
      ;; out_i = (G_i·v) + reg·v_i
      (i32.add (local.get $out) (local.get $i))
      (local.set $acc0 (f64x2.add (f64x2.add (local.get $acc0) (local.get $acc1)) (f64x2.add (local.get $acc2) (local.get $acc3))))
      (f64.add (f64x2.extract_lane 0 (local.get $acc0)) (f64x2.extract_lane 1 (local.get $acc0)))
      (f64.mul (local.get $reg) (f64.load (i32.add (local.get $v) (local.get $i))))
      f64.add
      f64.store
      (local.set $row (i32.add (local.get $row) (local.get $bytes)))
      (br_if $rows (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 8))) (local.get $bytes)))))

  ;; out += Σ_j e_j·y_j with e_j = c_j − w_j·(y_j·x) (c_j when w_j = 0), skipping e_j = 0. With
  ;; out = −(G·x + reg·x) beforehand, this is the CG residual b − A·x in one pass.
  (func (export "residualRows")
    (param $ys i32) (param $pos i32) (param $w i32) (param $c i32) (param $start i32) (param $end i32)
    (param $kp i32) (param $x i32) (param $out i32) (param $dots i32)
    (local $j i32) (local $o i32) (local $d i32) (local $bytes i32) (local $dy i32) (local $stride i32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $wj f64) (local $e f64) (local $dot f64)
    (local.set $bytes (i32.shl (local.get $kp) (i32.const 3)))   ;; a Float64 vector: kp·8 bytes
    (local.set $stride (i32.shl (local.get $kp) (i32.const 2)))  ;; a Float32 row of ys: kp·4 bytes
    (local.set $j (local.get $start))
    (block $done
      (loop $rating
        (br_if $done (i32.ge_s (local.get $j) (local.get $end)))
        ;; o = ys + pos[j]·stride: row y_j
        (local.set $o (i32.add (local.get $ys)
          (i32.mul (i32.load (i32.add (local.get $pos) (i32.shl (local.get $j) (i32.const 2)))) (local.get $stride))))
        (local.set $e (f64.load (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3)))))
        (if (f64.ne
              (local.tee $wj (f64.load (i32.add (local.get $w) (i32.shl (local.get $j) (i32.const 3)))))
              (f64.const 0))
          (then
            ;; acc0..acc3 = partial sums of y_j·x
            (local.set $acc0 (f64x2.splat (f64.const 0)))
            (local.set $acc1 (f64x2.splat (f64.const 0)))
            (local.set $acc2 (f64x2.splat (f64.const 0)))
            (local.set $acc3 (f64x2.splat (f64.const 0)))
            (local.set $d (i32.const 0))
            (local.set $dy (i32.const 0))
            (loop $dot
              (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul
                (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $o) (local.get $dy))))
                (v128.load (i32.add (local.get $x) (local.get $d))))))
              (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul
                (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (i32.add (local.get $o) (local.get $dy))))
                (v128.load offset=16 (i32.add (local.get $x) (local.get $d))))))
              (local.set $acc2 (f64x2.add (local.get $acc2) (f64x2.mul
                (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (i32.add (local.get $o) (local.get $dy))))
                (v128.load offset=32 (i32.add (local.get $x) (local.get $d))))))
              (local.set $acc3 (f64x2.add (local.get $acc3) (f64x2.mul
                (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (i32.add (local.get $o) (local.get $dy))))
                (v128.load offset=48 (i32.add (local.get $x) (local.get $d))))))
              (local.set $dy (i32.add (local.get $dy) (i32.const 32)))
              (br_if $dot (i32.lt_s (local.tee $d (i32.add (local.get $d) (i32.const 64))) (local.get $bytes))))
            ;; dot = y_j·x (stored at dots[j] when asked), e = c_j − w_j·dot
            (local.set $acc0 (f64x2.add (f64x2.add (local.get $acc0) (local.get $acc1)) (f64x2.add (local.get $acc2) (local.get $acc3))))
            (local.set $dot (f64.add (f64x2.extract_lane 0 (local.get $acc0)) (f64x2.extract_lane 1 (local.get $acc0))))
            (if (local.get $dots)
              (then (f64.store (i32.add (local.get $dots) (i32.shl (local.get $j) (i32.const 3))) (local.get $dot))))
            (local.set $e (f64.sub (local.get $e) (f64.mul (local.get $wj) (local.get $dot))))))
        (if (f64.ne (local.get $e) (f64.const 0))
          (then
            ;; out += e · y_j
            (local.set $acc0 (f64x2.splat (local.get $e)))
            (local.set $d (i32.const 0))
            (local.set $dy (i32.const 0))
            (loop $axpy
              (v128.store (i32.add (local.get $out) (local.get $d))
                (f64x2.add (v128.load (i32.add (local.get $out) (local.get $d))) (f64x2.mul (local.get $acc0)
                  (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $o) (local.get $dy)))))))
              (v128.store offset=16 (i32.add (local.get $out) (local.get $d))
                (f64x2.add (v128.load offset=16 (i32.add (local.get $out) (local.get $d))) (f64x2.mul (local.get $acc0)
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (i32.add (local.get $o) (local.get $dy)))))))
              (v128.store offset=32 (i32.add (local.get $out) (local.get $d))
                (f64x2.add (v128.load offset=32 (i32.add (local.get $out) (local.get $d))) (f64x2.mul (local.get $acc0)
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (i32.add (local.get $o) (local.get $dy)))))))
              (v128.store offset=48 (i32.add (local.get $out) (local.get $d))
                (f64x2.add (v128.load offset=48 (i32.add (local.get $out) (local.get $d))) (f64x2.mul (local.get $acc0)
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (i32.add (local.get $o) (local.get $dy)))))))
              (local.set $dy (i32.add (local.get $dy) (i32.const 32)))
              (br_if $axpy (i32.lt_s (local.tee $d (i32.add (local.get $d) (i32.const 64))) (local.get $bytes))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $rating))))
)
