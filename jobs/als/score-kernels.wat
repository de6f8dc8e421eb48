;; Scores of a block of users × a block of items for top-K recommendation (topk-block.ts), as
;; WebAssembly SIMD (f64x2). This text is the source: topk-block.ts compiles it (wat.ts) once per thread.
;;
;;   scoreBlock  out[r][i] = offset + Σ_d x_r[d]·y_i[d]   for the ng·4 rows r of the user block and the
;;               ni items i of the item block (ni a multiple of 4)
;;   candidates  the flat positions r·ni + i of the scores of rows r < nb with out[r][i] > thr[r]
;;               (row by row, i increasing), written to list as Int32; returns their count. The
;;               caller's heaps only look at these: after the first blocks almost no score beats its
;;               row's k-th best (NaN and −∞ never do)
;;
;; Vectorised ACROSS ITEMS, never across d: lane i of an accumulator is item i's own sum, started at
;; offset and adding x_r[d]·y_i[d] for d = 0, 1, … in order. The factors are Float32 promoted to
;; Float64, so each product is exact and every score has the bits of the scalar loop
;; (model-kernels.ts score(), AlsModel.predictOne): the blockwise top-K ranks exactly what they compute.
;;
;; Layouts (Float64, byte offsets): the user block as ng groups of 4 users, each group [d][4]
;; (width·32 bytes); the item block as [d][ni] (row d holds y_i[d] for the ni items); out as the
;; ng·4 rows of ni scores. Register tile: 4 users × 4 items, 8 f64x2 accumulators; per d, 2 item
;; loads and 4 user splats (v128.load64_splat).

(module
  (memory (export "memory") 1)

  (func (export "scoreBlock") (param $u i32) (param $ng i32) (param $y i32) (param $ni i32) (param $width i32) (param $offset f64) (param $out i32)
    (local $g i32) (local $i0 i32) (local $d i32) (local $p i32) (local $q i32) (local $o i32)
    (local $rowBytes i32) (local $groupBytes i32)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local $y0 v128) (local $y1 v128) (local $s v128) (local $start v128)
    (local.set $rowBytes (i32.shl (local.get $ni) (i32.const 3)))     ;; an item row (one d) / an out row: ni·8 bytes
    (local.set $groupBytes (i32.shl (local.get $width) (i32.const 5))) ;; a user group: width·4·8 bytes
    (local.set $start (f64x2.splat (local.get $offset)))
    (local.set $g (i32.const 0))
    (block $groupsDone
      (loop $groups
        (br_if $groupsDone (i32.ge_s (local.get $g) (local.get $ng)))
        (local.set $i0 (i32.const 0))
        (block $itemsDone
          (loop $items
            (br_if $itemsDone (i32.ge_s (local.get $i0) (local.get $ni)))
            (local.set $a00 (local.get $start)) (local.set $a01 (local.get $start))
            (local.set $a10 (local.get $start)) (local.set $a11 (local.get $start))
            (local.set $a20 (local.get $start)) (local.set $a21 (local.get $start))
            (local.set $a30 (local.get $start)) (local.set $a31 (local.get $start))
            ;; p = the group's row d = 0; q = &y[0][i0]
            (local.set $p (i32.add (local.get $u) (i32.mul (local.get $g) (local.get $groupBytes))))
            (local.set $q (i32.add (local.get $y) (i32.shl (local.get $i0) (i32.const 3))))
            (local.set $d (i32.const 0))
            (block $dDone
              (loop $dims
                (br_if $dDone (i32.ge_s (local.get $d) (local.get $width)))
                (local.set $y0 (v128.load (local.get $q)))
                (local.set $y1 (v128.load offset=16 (local.get $q)))
                (local.set $s (v128.load64_splat (local.get $p)))
                (local.set $a00 (f64x2.add (local.get $a00) (f64x2.mul (local.get $s) (local.get $y0))))
                (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (local.get $s) (local.get $y1))))
                (local.set $s (v128.load64_splat offset=8 (local.get $p)))
                (local.set $a10 (f64x2.add (local.get $a10) (f64x2.mul (local.get $s) (local.get $y0))))
                (local.set $a11 (f64x2.add (local.get $a11) (f64x2.mul (local.get $s) (local.get $y1))))
                (local.set $s (v128.load64_splat offset=16 (local.get $p)))
                (local.set $a20 (f64x2.add (local.get $a20) (f64x2.mul (local.get $s) (local.get $y0))))
                (local.set $a21 (f64x2.add (local.get $a21) (f64x2.mul (local.get $s) (local.get $y1))))
                (local.set $s (v128.load64_splat offset=24 (local.get $p)))
                (local.set $a30 (f64x2.add (local.get $a30) (f64x2.mul (local.get $s) (local.get $y0))))
                (local.set $a31 (f64x2.add (local.get $a31) (f64x2.mul (local.get $s) (local.get $y1))))
                (local.set $p (i32.add (local.get $p) (i32.const 32)))
                (local.set $q (i32.add (local.get $q) (local.get $rowBytes)))
                (local.set $d (i32.add (local.get $d) (i32.const 1)))
                (br $dims)))
            ;; o = &out[4g][i0]; the tile's 4 rows are rowBytes apart
            (local.set $o (i32.add (local.get $out)
              (i32.add (i32.mul (i32.shl (local.get $g) (i32.const 2)) (local.get $rowBytes)) (i32.shl (local.get $i0) (i32.const 3)))))
            (v128.store (local.get $o) (local.get $a00))
            (v128.store offset=16 (local.get $o) (local.get $a01))
            (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
            (v128.store (local.get $o) (local.get $a10))
            (v128.store offset=16 (local.get $o) (local.get $a11))
            (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
            (v128.store (local.get $o) (local.get $a20))
            (v128.store offset=16 (local.get $o) (local.get $a21))
            (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
            (v128.store (local.get $o) (local.get $a30))
            (v128.store offset=16 (local.get $o) (local.get $a31))
            (local.set $i0 (i32.add (local.get $i0) (i32.const 4)))
            (br $items)))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $groups))))

  (func (export "candidates") (param $s i32) (param $nb i32) (param $ni i32) (param $thr i32) (param $list i32) (result i32)
    (local $r i32) (local $p i32) (local $rowEnd i32) (local $n i32) (local $at i32)
    (local $t v128) (local $ts f64)
    (local.set $p (local.get $s))
    (local.set $r (i32.const 0))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_s (local.get $r) (local.get $nb)))
        (local.set $ts (f64.load (i32.add (local.get $thr) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $t (f64x2.splat (local.get $ts)))
        (local.set $rowEnd (i32.add (local.get $p) (i32.shl (local.get $ni) (i32.const 3))))
        (block $rowDone
          (loop $scores
            (br_if $rowDone (i32.ge_u (local.get $p) (local.get $rowEnd)))
            ;; 4 scores at once; the rare hit is sorted out one by one
            (if (v128.any_true (v128.or
                  (f64x2.gt (v128.load (local.get $p)) (local.get $t))
                  (f64x2.gt (v128.load offset=16 (local.get $p)) (local.get $t))))
              (then
                (local.set $at (i32.shr_u (i32.sub (local.get $p) (local.get $s)) (i32.const 3)))
                (if (f64.gt (f64.load (local.get $p)) (local.get $ts))
                  (then (i32.store (i32.add (local.get $list) (i32.shl (local.get $n) (i32.const 2))) (local.get $at))
                        (local.set $n (i32.add (local.get $n) (i32.const 1)))))
                (if (f64.gt (f64.load offset=8 (local.get $p)) (local.get $ts))
                  (then (i32.store (i32.add (local.get $list) (i32.shl (local.get $n) (i32.const 2))) (i32.add (local.get $at) (i32.const 1)))
                        (local.set $n (i32.add (local.get $n) (i32.const 1)))))
                (if (f64.gt (f64.load offset=16 (local.get $p)) (local.get $ts))
                  (then (i32.store (i32.add (local.get $list) (i32.shl (local.get $n) (i32.const 2))) (i32.add (local.get $at) (i32.const 2)))
                        (local.set $n (i32.add (local.get $n) (i32.const 1)))))
                (if (f64.gt (f64.load offset=24 (local.get $p)) (local.get $ts))
                  (then (i32.store (i32.add (local.get $list) (i32.shl (local.get $n) (i32.const 2))) (i32.add (local.get $at) (i32.const 3)))
                        (local.set $n (i32.add (local.get $n) (i32.const 1)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (br $scores)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows)))
    (local.get $n)))
