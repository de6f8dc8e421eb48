;; The driver's single-vector Gram product over one leaf of sparse rows, as WebAssembly: compiled
;; code from the first call (a JavaScript loop runs interpreted until V8 has optimized it, which for
;; a small matrix is most of the solve). local-products.ts compiles this text with wabt and keeps
;; the JavaScript twin (leaf1 there) that performs the very same floating-point operations in the
;; same order, as row-kernels.ts's gramApplyPartial does for column 0 of a block: identical bits.
;;
;;   leaf1   for each row r in [r0, r1): w = Σ_p values[p]·x[cols[p]] (p ascending, from w = 0),
;;           then out[cols[p]] += values[p]·w (p ascending)
;;
;;   leaf4   the same for a group of 4 columns packed n × 4 (x[j·4 + c], out likewise), in SIMD pairs
;;           (c, c+1) whose every lane does gramApplyPartial's operations for its column in its order:
;;           w_c = Σ_p values[p]·x[cols[p]·4 + c], then out[cols[p]·4 + c] += values[p]·w_c
;;
;;   leaf8   leaf4 for a group of 8 columns packed n × 8, in four SIMD pairs: each sparse entry is
;;           read once for 8 columns (on the 20M set, a partition's pass over 8 columns takes ~1.3×
;;           the time of a pass over 4, where two passes of 4 take 2×); the same lanes, the same bits
;;
;;   leaf4c, leaf8c   leaf4 and leaf8 over a compact partition: cols Uint16 and values Float32, for
;;           a narrow side of at most 65,536 ids whose every value is exactly a float32 (ratings in
;;           halves, uncentered): promoting a float32 to f64 is exact, so the same bits, reading 6
;;           bytes per entry instead of 12 (~12% faster on the 20M set at 4 columns)
;;
;;   proj4, proj8, proj4c, proj8c   the first half of leaf4/leaf8/leaf4c/leaf8c alone: for each row r in
;;           [r0, r1), w = a_rᵀ X over the group's lanes (the same lanes, the same operations in the
;;           same order, from w = 0), stored at out[(r − r0)·lanes + c]: the wide-side vectors
;;           U = A V Σ⁻¹ (row-kernels.ts's rowProducts, whose JavaScript does the very same sums)
;;
;;   merge   into[i] = into[i] + from[i], then from[i] = 0, for i < n: two sibling subtrees added
;;           (left + right, as leaf-tree.ts adds them) and the right one's accumulator zeroed for reuse
;;
;;   pack    dst[j·lanes + t] = x[j·b + c0 + t] for t < width, 0 for width ≤ t < lanes (j < n): a
;;           column group of a row-major n × b block laid out for leaf4/8 and proj4/8
;;   scale   out[r·b + c0 + t] = w[r·lanes + t] · s[c0 + t] for r < rows, t < width: proj4/8's
;;           sums scaled into a row-major rows × b block (U's numbers), as rowProductsJs scales them
;;           (these two loops ran in cold JavaScript, ~2-4 ms of a small matrix's U)
;;
;;   tree1   a whole single-vector product in one call: leaf1 over each of `leaves` leaves (a power
;;           of two; leaf l's rows are leafStarts[l]..leafStarts[l+1], Int32) into zeroed
;;           accumulators acc + h·n·8, siblings merged as soon as both are complete: the root's sum
;;           ends in the first accumulator, the others zero (the JavaScript's 31 calls per product
;;           ran interpreted for much of a small matrix's solve)
;;
;; Pointers are byte offsets into the exported memory: starts Int32 (row r's entries are
;; starts[r]..starts[r+1]), cols Int32, values Float64, x and out Float64 (n long).

(module
  (memory (export "memory") 1)

  (func $leaf1 (export "leaf1")
    (param $starts i32) (param $cols i32) (param $values i32) (param $r0 i32) (param $r1 i32)
    (param $x i32) (param $out i32)
    (local $r i32) (local $p i32) (local $start i32) (local $end i32) (local $w f64) (local $at i32)
    (local.set $r (local.get $r0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $r1)))
        (local.set $start (i32.load (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        ;; w = a_rᵀ x
        (local.set $w (f64.const 0))
        (local.set $p (local.get $start))
        (block $dot_done
          (loop $dot
            (br_if $dot_done (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $w (f64.add (local.get $w) (f64.mul
              (f64.load (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 3))))
              (f64.load (i32.add (local.get $x)
                (i32.shl (i32.load (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 2)))) (i32.const 3)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $dot)))
        ;; out += a_r · w
        (local.set $p (local.get $start))
        (block $axpy_done
          (loop $axpy
            (br_if $axpy_done (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $at (i32.add (local.get $out)
              (i32.shl (i32.load (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 2)))) (i32.const 3))))
            (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (f64.mul
              (f64.load (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 3))))
              (local.get $w))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $axpy)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  (func (export "leaf4")
    (param $starts i32) (param $cols i32) (param $values i32) (param $r0 i32) (param $r1 i32)
    (param $x i32) (param $out i32)
    (local $r i32) (local $p i32) (local $start i32) (local $end i32) (local $at i32)
    (local $v v128) (local $wlo v128) (local $whi v128)
    (local.set $r (local.get $r0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $r1)))
        (local.set $start (i32.load (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        ;; w = a_rᵀ X (4 columns)
        (local.set $wlo (f64x2.splat (f64.const 0)))
        (local.set $whi (f64x2.splat (f64.const 0)))
        (local.set $p (local.get $start))
        (block $dot_done
          (loop $dot
            (br_if $dot_done (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $v (v128.load64_splat (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 3)))))
            (local.set $at (i32.add (local.get $x)
              (i32.shl (i32.load (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 2)))) (i32.const 5))))
            (local.set $wlo (f64x2.add (local.get $wlo) (f64x2.mul (local.get $v) (v128.load (local.get $at)))))
            (local.set $whi (f64x2.add (local.get $whi) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $at)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $dot)))
        ;; out += a_r · wᵀ
        (local.set $p (local.get $start))
        (block $axpy_done
          (loop $axpy
            (br_if $axpy_done (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $v (v128.load64_splat (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 3)))))
            (local.set $at (i32.add (local.get $out)
              (i32.shl (i32.load (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 2)))) (i32.const 5))))
            (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (f64x2.mul (local.get $v) (local.get $wlo))))
            (v128.store offset=16 (local.get $at) (f64x2.add (v128.load offset=16 (local.get $at)) (f64x2.mul (local.get $v) (local.get $whi))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $axpy)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  (func (export "leaf8")
    (param $starts i32) (param $cols i32) (param $values i32) (param $r0 i32) (param $r1 i32)
    (param $x i32) (param $out i32)
    (local $r i32) (local $p i32) (local $start i32) (local $end i32) (local $at i32)
    (local $v v128) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local.set $r (local.get $r0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $r1)))
        (local.set $start (i32.load (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        ;; w = a_rᵀ X (8 columns)
        (local.set $w0 (f64x2.splat (f64.const 0)))
        (local.set $w1 (f64x2.splat (f64.const 0)))
        (local.set $w2 (f64x2.splat (f64.const 0)))
        (local.set $w3 (f64x2.splat (f64.const 0)))
        (local.set $p (local.get $start))
        (block $dot_done
          (loop $dot
            (br_if $dot_done (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $v (v128.load64_splat (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 3)))))
            (local.set $at (i32.add (local.get $x)
              (i32.shl (i32.load (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 2)))) (i32.const 6))))
            (local.set $w0 (f64x2.add (local.get $w0) (f64x2.mul (local.get $v) (v128.load (local.get $at)))))
            (local.set $w1 (f64x2.add (local.get $w1) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $at)))))
            (local.set $w2 (f64x2.add (local.get $w2) (f64x2.mul (local.get $v) (v128.load offset=32 (local.get $at)))))
            (local.set $w3 (f64x2.add (local.get $w3) (f64x2.mul (local.get $v) (v128.load offset=48 (local.get $at)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $dot)))
        ;; out += a_r · wᵀ
        (local.set $p (local.get $start))
        (block $axpy_done
          (loop $axpy
            (br_if $axpy_done (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $v (v128.load64_splat (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 3)))))
            (local.set $at (i32.add (local.get $out)
              (i32.shl (i32.load (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 2)))) (i32.const 6))))
            (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (f64x2.mul (local.get $v) (local.get $w0))))
            (v128.store offset=16 (local.get $at) (f64x2.add (v128.load offset=16 (local.get $at)) (f64x2.mul (local.get $v) (local.get $w1))))
            (v128.store offset=32 (local.get $at) (f64x2.add (v128.load offset=32 (local.get $at)) (f64x2.mul (local.get $v) (local.get $w2))))
            (v128.store offset=48 (local.get $at) (f64x2.add (v128.load offset=48 (local.get $at)) (f64x2.mul (local.get $v) (local.get $w3))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $axpy)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  (func (export "leaf4c")
    (param $starts i32) (param $cols i32) (param $values i32) (param $r0 i32) (param $r1 i32)
    (param $x i32) (param $out i32)
    (local $r i32) (local $p i32) (local $start i32) (local $end i32) (local $at i32)
    (local $v v128) (local $wlo v128) (local $whi v128)
    (local.set $r (local.get $r0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $r1)))
        (local.set $start (i32.load (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        ;; w = a_rᵀ X (4 columns)
        (local.set $wlo (f64x2.splat (f64.const 0)))
        (local.set $whi (f64x2.splat (f64.const 0)))
        (local.set $p (local.get $start))
        (block $dot_done
          (loop $dot
            (br_if $dot_done (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $v (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 2)))))))
            (local.set $at (i32.add (local.get $x)
              (i32.shl (i32.load16_u (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 1)))) (i32.const 5))))
            (local.set $wlo (f64x2.add (local.get $wlo) (f64x2.mul (local.get $v) (v128.load (local.get $at)))))
            (local.set $whi (f64x2.add (local.get $whi) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $at)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $dot)))
        ;; out += a_r · wᵀ
        (local.set $p (local.get $start))
        (block $axpy_done
          (loop $axpy
            (br_if $axpy_done (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $v (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 2)))))))
            (local.set $at (i32.add (local.get $out)
              (i32.shl (i32.load16_u (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 1)))) (i32.const 5))))
            (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (f64x2.mul (local.get $v) (local.get $wlo))))
            (v128.store offset=16 (local.get $at) (f64x2.add (v128.load offset=16 (local.get $at)) (f64x2.mul (local.get $v) (local.get $whi))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $axpy)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  (func (export "leaf8c")
    (param $starts i32) (param $cols i32) (param $values i32) (param $r0 i32) (param $r1 i32)
    (param $x i32) (param $out i32)
    (local $r i32) (local $p i32) (local $start i32) (local $end i32) (local $at i32)
    (local $v v128) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local.set $r (local.get $r0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $r1)))
        (local.set $start (i32.load (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        ;; w = a_rᵀ X (8 columns)
        (local.set $w0 (f64x2.splat (f64.const 0)))
        (local.set $w1 (f64x2.splat (f64.const 0)))
        (local.set $w2 (f64x2.splat (f64.const 0)))
        (local.set $w3 (f64x2.splat (f64.const 0)))
        (local.set $p (local.get $start))
        (block $dot_done
          (loop $dot
            (br_if $dot_done (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $v (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 2)))))))
            (local.set $at (i32.add (local.get $x)
              (i32.shl (i32.load16_u (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 1)))) (i32.const 6))))
            (local.set $w0 (f64x2.add (local.get $w0) (f64x2.mul (local.get $v) (v128.load (local.get $at)))))
            (local.set $w1 (f64x2.add (local.get $w1) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $at)))))
            (local.set $w2 (f64x2.add (local.get $w2) (f64x2.mul (local.get $v) (v128.load offset=32 (local.get $at)))))
            (local.set $w3 (f64x2.add (local.get $w3) (f64x2.mul (local.get $v) (v128.load offset=48 (local.get $at)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $dot)))
        ;; out += a_r · wᵀ
        (local.set $p (local.get $start))
        (block $axpy_done
          (loop $axpy
            (br_if $axpy_done (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $v (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 2)))))))
            (local.set $at (i32.add (local.get $out)
              (i32.shl (i32.load16_u (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 1)))) (i32.const 6))))
            (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (f64x2.mul (local.get $v) (local.get $w0))))
            (v128.store offset=16 (local.get $at) (f64x2.add (v128.load offset=16 (local.get $at)) (f64x2.mul (local.get $v) (local.get $w1))))
            (v128.store offset=32 (local.get $at) (f64x2.add (v128.load offset=32 (local.get $at)) (f64x2.mul (local.get $v) (local.get $w2))))
            (v128.store offset=48 (local.get $at) (f64x2.add (v128.load offset=48 (local.get $at)) (f64x2.mul (local.get $v) (local.get $w3))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $axpy)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  (func (export "proj4")
    (param $starts i32) (param $cols i32) (param $values i32) (param $r0 i32) (param $r1 i32)
    (param $x i32) (param $out i32)
    (local $r i32) (local $p i32) (local $end i32) (local $at i32)
    (local $v v128) (local $w0 v128) (local $w1 v128)
    (local.set $r (local.get $r0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $r1)))
        (local.set $p (i32.load (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        ;; w = a_rᵀ X (4 columns)
        (local.set $w0 (f64x2.splat (f64.const 0)))
        (local.set $w1 (f64x2.splat (f64.const 0)))
        (block $dot_done
          (loop $dot
            (br_if $dot_done (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $v (v128.load64_splat (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 3)))))
            (local.set $at (i32.add (local.get $x)
              (i32.shl (i32.load (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 2)))) (i32.const 5))))
            (local.set $w0 (f64x2.add (local.get $w0) (f64x2.mul (local.get $v) (v128.load (local.get $at)))))
            (local.set $w1 (f64x2.add (local.get $w1) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $at)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $dot)))
        (v128.store (local.get $out) (local.get $w0))
        (v128.store offset=16 (local.get $out) (local.get $w1))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  (func (export "proj8")
    (param $starts i32) (param $cols i32) (param $values i32) (param $r0 i32) (param $r1 i32)
    (param $x i32) (param $out i32)
    (local $r i32) (local $p i32) (local $end i32) (local $at i32)
    (local $v v128) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local.set $r (local.get $r0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $r1)))
        (local.set $p (i32.load (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        ;; w = a_rᵀ X (8 columns)
        (local.set $w0 (f64x2.splat (f64.const 0)))
        (local.set $w1 (f64x2.splat (f64.const 0)))
        (local.set $w2 (f64x2.splat (f64.const 0)))
        (local.set $w3 (f64x2.splat (f64.const 0)))
        (block $dot_done
          (loop $dot
            (br_if $dot_done (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $v (v128.load64_splat (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 3)))))
            (local.set $at (i32.add (local.get $x)
              (i32.shl (i32.load (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 2)))) (i32.const 6))))
            (local.set $w0 (f64x2.add (local.get $w0) (f64x2.mul (local.get $v) (v128.load (local.get $at)))))
            (local.set $w1 (f64x2.add (local.get $w1) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $at)))))
            (local.set $w2 (f64x2.add (local.get $w2) (f64x2.mul (local.get $v) (v128.load offset=32 (local.get $at)))))
            (local.set $w3 (f64x2.add (local.get $w3) (f64x2.mul (local.get $v) (v128.load offset=48 (local.get $at)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $dot)))
        (v128.store (local.get $out) (local.get $w0))
        (v128.store offset=16 (local.get $out) (local.get $w1))
        (v128.store offset=32 (local.get $out) (local.get $w2))
        (v128.store offset=48 (local.get $out) (local.get $w3))
        (local.set $out (i32.add (local.get $out) (i32.const 64)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  (func (export "proj4c")
    (param $starts i32) (param $cols i32) (param $values i32) (param $r0 i32) (param $r1 i32)
    (param $x i32) (param $out i32)
    (local $r i32) (local $p i32) (local $end i32) (local $at i32)
    (local $v v128) (local $w0 v128) (local $w1 v128)
    (local.set $r (local.get $r0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $r1)))
        (local.set $p (i32.load (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        ;; w = a_rᵀ X (4 columns)
        (local.set $w0 (f64x2.splat (f64.const 0)))
        (local.set $w1 (f64x2.splat (f64.const 0)))
        (block $dot_done
          (loop $dot
            (br_if $dot_done (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $v (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 2)))))))
            (local.set $at (i32.add (local.get $x)
              (i32.shl (i32.load16_u (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 1)))) (i32.const 5))))
            (local.set $w0 (f64x2.add (local.get $w0) (f64x2.mul (local.get $v) (v128.load (local.get $at)))))
            (local.set $w1 (f64x2.add (local.get $w1) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $at)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $dot)))
        (v128.store (local.get $out) (local.get $w0))
        (v128.store offset=16 (local.get $out) (local.get $w1))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  (func (export "proj8c")
    (param $starts i32) (param $cols i32) (param $values i32) (param $r0 i32) (param $r1 i32)
    (param $x i32) (param $out i32)
    (local $r i32) (local $p i32) (local $end i32) (local $at i32)
    (local $v v128) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local.set $r (local.get $r0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $r1)))
        (local.set $p (i32.load (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))))
        ;; w = a_rᵀ X (8 columns)
        (local.set $w0 (f64x2.splat (f64.const 0)))
        (local.set $w1 (f64x2.splat (f64.const 0)))
        (local.set $w2 (f64x2.splat (f64.const 0)))
        (local.set $w3 (f64x2.splat (f64.const 0)))
        (block $dot_done
          (loop $dot
            (br_if $dot_done (i32.ge_s (local.get $p) (local.get $end)))
            (local.set $v (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 2)))))))
            (local.set $at (i32.add (local.get $x)
              (i32.shl (i32.load16_u (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 1)))) (i32.const 6))))
            (local.set $w0 (f64x2.add (local.get $w0) (f64x2.mul (local.get $v) (v128.load (local.get $at)))))
            (local.set $w1 (f64x2.add (local.get $w1) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $at)))))
            (local.set $w2 (f64x2.add (local.get $w2) (f64x2.mul (local.get $v) (v128.load offset=32 (local.get $at)))))
            (local.set $w3 (f64x2.add (local.get $w3) (f64x2.mul (local.get $v) (v128.load offset=48 (local.get $at)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $dot)))
        (v128.store (local.get $out) (local.get $w0))
        (v128.store offset=16 (local.get $out) (local.get $w1))
        (v128.store offset=32 (local.get $out) (local.get $w2))
        (v128.store offset=48 (local.get $out) (local.get $w3))
        (local.set $out (i32.add (local.get $out) (i32.const 64)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  (func $merge (export "merge") (param $into i32) (param $from i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $from) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $from) (local.get $end)))
        (f64.store (local.get $into) (f64.add (f64.load (local.get $into)) (f64.load (local.get $from))))
        (f64.store (local.get $from) (f64.const 0))
        (local.set $into (i32.add (local.get $into) (i32.const 8)))
        (local.set $from (i32.add (local.get $from) (i32.const 8)))
        (br $each))))

  (func (export "tree1")
    (param $starts i32) (param $cols i32) (param $values i32) (param $leafStarts i32) (param $leaves i32)
    (param $x i32) (param $acc i32) (param $n i32)
    (local $l i32) (local $h i32) (local $bytes i32) (local $m i32)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 3)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_s (local.get $l) (local.get $leaves)))
        ;; leaf l into the zeroed slot h, on top of the stack of completed subtrees
        (call $leaf1 (local.get $starts) (local.get $cols) (local.get $values)
          (i32.load (i32.add (local.get $leafStarts) (i32.shl (local.get $l) (i32.const 2))))
          (i32.load offset=4 (i32.add (local.get $leafStarts) (i32.shl (local.get $l) (i32.const 2))))
          (local.get $x) (i32.add (local.get $acc) (i32.mul (local.get $h) (local.get $bytes))))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        ;; l + 1 leaves done: ctz(l + 1) pairs of siblings complete, each added left + right (the
        ;; right slot zeroed), as local-products.ts's stack of levels adds them
        (local.set $m (i32.ctz (i32.add (local.get $l) (i32.const 1))))
        (block $merged
          (loop $merge_loop
            (br_if $merged (i32.eqz (local.get $m)))
            (call $merge
              (i32.add (local.get $acc) (i32.mul (i32.sub (local.get $h) (i32.const 2)) (local.get $bytes)))
              (i32.add (local.get $acc) (i32.mul (i32.sub (local.get $h) (i32.const 1)) (local.get $bytes)))
              (local.get $n))
            (local.set $h (i32.sub (local.get $h) (i32.const 1)))
            (local.set $m (i32.sub (local.get $m) (i32.const 1)))
            (br $merge_loop)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $each))))

  (func (export "pack") (param $dst i32) (param $x i32) (param $n i32) (param $b i32) (param $c0 i32) (param $width i32) (param $lanes i32)
    (local $j i32) (local $t i32) (local $src i32)
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $j) (local.get $n)))
        (local.set $src (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $b)) (local.get $c0)) (i32.const 3))))
        (local.set $t (i32.const 0))
        (block $lanes_done
          (loop $each
            (br_if $lanes_done (i32.ge_s (local.get $t) (local.get $lanes)))
            (if (i32.lt_s (local.get $t) (local.get $width))
              (then (f64.store (local.get $dst) (f64.load (i32.add (local.get $src) (i32.shl (local.get $t) (i32.const 3))))))
              (else (f64.store (local.get $dst) (f64.const 0))))
            (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $each)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $rows))))

  (func (export "scale") (param $out i32) (param $w i32) (param $s i32) (param $rows i32) (param $b i32) (param $c0 i32) (param $width i32) (param $lanes i32)
    (local $r i32) (local $t i32) (local $o i32) (local $i i32)
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $b)) (local.get $c0)) (i32.const 3))))
        (local.set $i (i32.add (local.get $w) (i32.shl (i32.mul (local.get $r) (local.get $lanes)) (i32.const 3))))
        (local.set $t (i32.const 0))
        (block $cols_done
          (loop $each
            (br_if $cols_done (i32.ge_s (local.get $t) (local.get $width)))
            (f64.store (i32.add (local.get $o) (i32.shl (local.get $t) (i32.const 3)))
              (f64.mul (f64.load (i32.add (local.get $i) (i32.shl (local.get $t) (i32.const 3))))
                       (f64.load (i32.add (local.get $s) (i32.shl (i32.add (local.get $c0) (local.get $t)) (i32.const 3))))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $each)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows)))))
