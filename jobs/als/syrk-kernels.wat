;; Explicit ALS's normal equations at ranks above explicit-wat.ts's (m > 16) as WebAssembly SIMD
;; (f64x2): a rank-n update of a gathered block of factor rows, as BLAS syrk does. This text is the
;; source: explicit-blocked.ts compiles it (wat.ts) once per thread and gathers the rows it reads.
;;
;;   syrkLower  out += Σ_j g_j·g_jᵀ over the n rows g_j of the block, on the tiles of the lower triangle
;;   gemvT      bout += Σ_j t_j·g_j
;;   gather     the block itself: g_j = the Float32 factor row pos_j promoted (exactly) to Float64,
;;              t_j = r_j − mean − off[pos_j]
;;
;; The block holds n rows of mp Float64 (mp a multiple of 4, zero padding); out is mp×mp Float64
;; row-major, bout mp Float64. syrkLower walks 4×4 tiles (rows i0..i0+3, columns q0..q0+3, q0 < i0)
;; with the tile's 16 entries in 8 f64x2 locals (register tiles), loaded from out before the block
;; and stored after it. Only the m real rows are computed: a diagonal tile is a 2×2 and a 2×4 tile
;; (10 of its 16 entries are needed, 12 computed), and a last tile row with at most 2 real rows
;; (m = 50: mp = 52) uses 2×4 tiles, so rank 50 computes 1,300 entries per rating, not 1,456 (1,275
;; needed); rows and columns ≥ m of out are left as they were. Every entry is its own sum over j in increasing order, with the products
;; g_j[i]·g_j[q], so a block of rows [0, n) followed by the next block gives the bits of the plain
;; triangular loop (explicit-kernel.ts accumulateExplicitGeneric) when out starts at +0.

(module
  (memory (export "memory") 1)

  (func (export "syrkLower") (param $g i32) (param $n i32) (param $mp i32) (param $out i32) (param $m i32)
    (local $i0 i32) (local $q0 i32) (local $row i32) (local $end i32) (local $stride i32) (local $o i32) (local $pi i32)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local $s v128) (local $c0 v128) (local $c1 v128)
    (local.set $stride (i32.shl (local.get $mp) (i32.const 3)))   ;; a row: mp·8 bytes
    (local.set $end (i32.add (local.get $g) (i32.mul (local.get $n) (local.get $stride))))
    (local.set $i0 (i32.const 0))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_s (local.get $i0) (local.get $m)))
        (local.set $q0 (i32.const 0))
        ;; at most 2 real rows left (the rest is padding): 2-row tiles, then the diagonal's 2×2
        (if (i32.le_s (i32.sub (local.get $m) (local.get $i0)) (i32.const 2))
          (then
            (block $halfDone
              (loop $half
                (br_if $halfDone (i32.ge_s (local.get $q0) (local.get $i0)))
                (call $tile2x4 (local.get $g) (local.get $end) (local.get $stride) (local.get $out) (local.get $mp) (local.get $i0) (local.get $q0))
                (local.set $q0 (i32.add (local.get $q0) (i32.const 4)))
                (br $half)))
            (call $tile2x2 (local.get $g) (local.get $end) (local.get $stride) (local.get $out) (local.get $mp) (local.get $i0) (local.get $i0))
            (br $rowsDone)))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_s (local.get $q0) (local.get $i0)))
            ;; o = &out[i0][q0]: the tile's rows are stride bytes apart
            (local.set $o (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $i0) (local.get $mp)) (local.get $q0)) (i32.const 3))))
            (local.set $a00 (v128.load (local.get $o)))
            (local.set $a01 (v128.load offset=16 (local.get $o)))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (local.set $a10 (v128.load (local.get $o)))
            (local.set $a11 (v128.load offset=16 (local.get $o)))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (local.set $a20 (v128.load (local.get $o)))
            (local.set $a21 (v128.load offset=16 (local.get $o)))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (local.set $a30 (v128.load (local.get $o)))
            (local.set $a31 (v128.load offset=16 (local.get $o)))
            (local.set $row (local.get $g))
            (block $blockDone
              (loop $rating
                (br_if $blockDone (i32.ge_u (local.get $row) (local.get $end)))
                ;; columns q0..q0+3 of g_j, then each of rows i0..i0+3 splat
                (local.set $pi (i32.add (local.get $row) (i32.shl (local.get $q0) (i32.const 3))))
                (local.set $c0 (v128.load (local.get $pi)))
                (local.set $c1 (v128.load offset=16 (local.get $pi)))
                (local.set $pi (i32.add (local.get $row) (i32.shl (local.get $i0) (i32.const 3))))
                (local.set $s (f64x2.splat (f64.load (local.get $pi))))
                (local.set $a00 (f64x2.add (local.get $a00) (f64x2.mul (local.get $s) (local.get $c0))))
                (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (local.get $s) (local.get $c1))))
                (local.set $s (f64x2.splat (f64.load offset=8 (local.get $pi))))
                (local.set $a10 (f64x2.add (local.get $a10) (f64x2.mul (local.get $s) (local.get $c0))))
                (local.set $a11 (f64x2.add (local.get $a11) (f64x2.mul (local.get $s) (local.get $c1))))
                (local.set $s (f64x2.splat (f64.load offset=16 (local.get $pi))))
                (local.set $a20 (f64x2.add (local.get $a20) (f64x2.mul (local.get $s) (local.get $c0))))
                (local.set $a21 (f64x2.add (local.get $a21) (f64x2.mul (local.get $s) (local.get $c1))))
                (local.set $s (f64x2.splat (f64.load offset=24 (local.get $pi))))
                (local.set $a30 (f64x2.add (local.get $a30) (f64x2.mul (local.get $s) (local.get $c0))))
                (local.set $a31 (f64x2.add (local.get $a31) (f64x2.mul (local.get $s) (local.get $c1))))
                (local.set $row (i32.add (local.get $row) (local.get $stride)))
                (br $rating)))
            (local.set $o (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $i0) (local.get $mp)) (local.get $q0)) (i32.const 3))))
            (v128.store (local.get $o) (local.get $a00))
            (v128.store offset=16 (local.get $o) (local.get $a01))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (v128.store (local.get $o) (local.get $a10))
            (v128.store offset=16 (local.get $o) (local.get $a11))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (v128.store (local.get $o) (local.get $a20))
            (v128.store offset=16 (local.get $o) (local.get $a21))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (v128.store (local.get $o) (local.get $a30))
            (v128.store offset=16 (local.get $o) (local.get $a31))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 4)))
            (br $cols)))
        ;; the diagonal tile without its entries above the diagonal: rows i0, i0+1 × columns i0, i0+1,
        ;; then rows i0+2, i0+3 × columns i0..i0+3
        (call $tile2x2 (local.get $g) (local.get $end) (local.get $stride) (local.get $out) (local.get $mp) (local.get $i0) (local.get $i0))
        (call $tile2x4 (local.get $g) (local.get $end) (local.get $stride) (local.get $out) (local.get $mp) (i32.add (local.get $i0) (i32.const 2)) (local.get $i0))
        (local.set $i0 (i32.add (local.get $i0) (i32.const 4)))
        (br $rows))))

  ;; tile2x4: out rows i0, i0+1 × columns q0..q0+3 += Σ_j over the block, as syrkLower's 4×4 tiles
  (func $tile2x4 (param $g i32) (param $end i32) (param $stride i32) (param $out i32) (param $mp i32) (param $i0 i32) (param $q0 i32)
    (local $o i32) (local $row i32) (local $pi i32)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128) (local $s v128) (local $c0 v128) (local $c1 v128)
    (local.set $o (i32.add (local.get $out)
      (i32.shl (i32.add (i32.mul (local.get $i0) (local.get $mp)) (local.get $q0)) (i32.const 3))))
    (local.set $a00 (v128.load (local.get $o)))
    (local.set $a01 (v128.load offset=16 (local.get $o)))
    (local.set $a10 (v128.load (i32.add (local.get $o) (local.get $stride))))
    (local.set $a11 (v128.load offset=16 (i32.add (local.get $o) (local.get $stride))))
    (local.set $row (local.get $g))
    (block $blockDone
      (loop $rating
        (br_if $blockDone (i32.ge_u (local.get $row) (local.get $end)))
        (local.set $pi (i32.add (local.get $row) (i32.shl (local.get $q0) (i32.const 3))))
        (local.set $c0 (v128.load (local.get $pi)))
        (local.set $c1 (v128.load offset=16 (local.get $pi)))
        (local.set $pi (i32.add (local.get $row) (i32.shl (local.get $i0) (i32.const 3))))
        (local.set $s (f64x2.splat (f64.load (local.get $pi))))
        (local.set $a00 (f64x2.add (local.get $a00) (f64x2.mul (local.get $s) (local.get $c0))))
        (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (local.get $s) (local.get $c1))))
        (local.set $s (f64x2.splat (f64.load offset=8 (local.get $pi))))
        (local.set $a10 (f64x2.add (local.get $a10) (f64x2.mul (local.get $s) (local.get $c0))))
        (local.set $a11 (f64x2.add (local.get $a11) (f64x2.mul (local.get $s) (local.get $c1))))
        (local.set $row (i32.add (local.get $row) (local.get $stride)))
        (br $rating)))
    (v128.store (local.get $o) (local.get $a00))
    (v128.store offset=16 (local.get $o) (local.get $a01))
    (v128.store (i32.add (local.get $o) (local.get $stride)) (local.get $a10))
    (v128.store offset=16 (i32.add (local.get $o) (local.get $stride)) (local.get $a11)))

  ;; tile2x2: out rows i0, i0+1 × columns q0, q0+1 += Σ_j over the block
  (func $tile2x2 (param $g i32) (param $end i32) (param $stride i32) (param $out i32) (param $mp i32) (param $i0 i32) (param $q0 i32)
    (local $o i32) (local $row i32) (local $pi i32) (local $a0 v128) (local $a1 v128) (local $c v128)
    (local.set $o (i32.add (local.get $out)
      (i32.shl (i32.add (i32.mul (local.get $i0) (local.get $mp)) (local.get $q0)) (i32.const 3))))
    (local.set $a0 (v128.load (local.get $o)))
    (local.set $a1 (v128.load (i32.add (local.get $o) (local.get $stride))))
    (local.set $row (local.get $g))
    (block $blockDone
      (loop $rating
        (br_if $blockDone (i32.ge_u (local.get $row) (local.get $end)))
        (local.set $c (v128.load (i32.add (local.get $row) (i32.shl (local.get $q0) (i32.const 3)))))
        (local.set $pi (i32.add (local.get $row) (i32.shl (local.get $i0) (i32.const 3))))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (f64x2.splat (f64.load (local.get $pi))) (local.get $c))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (f64x2.splat (f64.load offset=8 (local.get $pi))) (local.get $c))))
        (local.set $row (i32.add (local.get $row) (local.get $stride)))
        (br $rating)))
    (v128.store (local.get $o) (local.get $a0))
    (v128.store (i32.add (local.get $o) (local.get $stride)) (local.get $a1)))

  (func (export "gemvT") (param $g i32) (param $t i32) (param $n i32) (param $mp i32) (param $bout i32)
    (local $q0 i32) (local $row i32) (local $tj i32) (local $end i32) (local $stride i32) (local $pi i32)
    (local $b0 v128) (local $b1 v128) (local $s v128)
    (local.set $stride (i32.shl (local.get $mp) (i32.const 3)))
    (local.set $end (i32.add (local.get $g) (i32.mul (local.get $n) (local.get $stride))))
    (local.set $q0 (i32.const 0))
    (block $colsDone
      (loop $cols
        (br_if $colsDone (i32.ge_s (local.get $q0) (local.get $mp)))
        (local.set $pi (i32.add (local.get $bout) (i32.shl (local.get $q0) (i32.const 3))))
        (local.set $b0 (v128.load (local.get $pi)))
        (local.set $b1 (v128.load offset=16 (local.get $pi)))
        (local.set $row (i32.add (local.get $g) (i32.shl (local.get $q0) (i32.const 3))))
        (local.set $end (i32.add (local.get $row) (i32.mul (local.get $n) (local.get $stride))))
        (local.set $tj (local.get $t))
        (block $blockDone
          (loop $rating
            (br_if $blockDone (i32.ge_u (local.get $row) (local.get $end)))
            (local.set $s (f64x2.splat (f64.load (local.get $tj))))
            (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (local.get $s) (v128.load (local.get $row)))))
            (local.set $b1 (f64x2.add (local.get $b1) (f64x2.mul (local.get $s) (v128.load offset=16 (local.get $row)))))
            (local.set $row (i32.add (local.get $row) (local.get $stride)))
            (local.set $tj (i32.add (local.get $tj) (i32.const 8)))
            (br $rating)))
        (v128.store (local.get $pi) (local.get $b0))
        (v128.store offset=16 (local.get $pi) (local.get $b1))
        (local.set $q0 (i32.add (local.get $q0) (i32.const 4)))
        (br $cols))))

  ;; gather(yf, off, pos, r, n, mp, mean, g, t): for j < n, row j of g (mp f64) = row pos[j] of yf
  ;; (rows of mp f32, zero padding, 16-byte aligned) promoted to f64 (exact), and
  ;; t[j] = (f64(r[j]) − mean) − off[pos[j]] (off: f64), the same double operations as JavaScript's
  ;; r[j] − mean − off[p]. The rows are independent loads, so their cache misses overlap.
  (func (export "gather") (param $yf i32) (param $off i32) (param $pos i32) (param $r i32) (param $n i32) (param $mp i32)
    (param $mean f64) (param $g i32) (param $t i32)
    (local $j i32) (local $p i32) (local $src i32) (local $end i32) (local $rowBytes i32) (local $v v128)
    (local.set $rowBytes (i32.shl (local.get $mp) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $done
      (loop $each
        (br_if $done (i32.ge_s (local.get $j) (local.get $n)))
        (local.set $p (i32.load (i32.add (local.get $pos) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $src (i32.add (local.get $yf) (i32.mul (local.get $p) (local.get $rowBytes))))
        (local.set $end (i32.add (local.get $src) (local.get $rowBytes)))
        (block $rowDone
          (loop $quad
            (br_if $rowDone (i32.ge_u (local.get $src) (local.get $end)))
            (local.set $v (v128.load (local.get $src)))
            (v128.store (local.get $g) (f64x2.promote_low_f32x4 (local.get $v)))
            (v128.store offset=16 (local.get $g)
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (local.set $g (i32.add (local.get $g) (i32.const 32)))
            (br $quad)))
        (f64.store (i32.add (local.get $t) (i32.shl (local.get $j) (i32.const 3)))
          (f64.sub
            (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $r) (i32.shl (local.get $j) (i32.const 2))))) (local.get $mean))
            (f64.load (i32.add (local.get $off) (i32.shl (local.get $p) (i32.const 3))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $each))))

  ;; cholesky(a, n, mp): in place A = L·Lᵀ on the lower triangle of the mp×mp row-major a (n ≤ mp),
  ;; column by column: L_jj = √(a_jj − L_j·L_j), then L_ij = (a_ij − L_i·L_j) / L_jj for i > j, two
  ;; rows i at a time (independent chains). A dot over k < j sums even k in lane 0 and odd k in lane
  ;; 1 (the last odd k alone into lane 0 when j is odd), lane 0 + lane 1. Returns the first j whose
  ;; pivot is not positive, or −1.
  (func $dot (param $x i32) (param $y i32) (param $len i32) (result f64)
    (local $acc v128) (local $end i32) (local $sum f64)
    (local.set $acc (f64x2.splat (f64.const 0)))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $len) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (v128.load (local.get $x)) (v128.load (local.get $y)))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $pair)))
    (local.set $sum (f64x2.extract_lane 0 (local.get $acc)))
    (if (i32.and (local.get $len) (i32.const 1))
      (then (local.set $sum (f64.add (local.get $sum) (f64.mul (f64.load (local.get $x)) (f64.load (local.get $y)))))))
    (f64.add (local.get $sum) (f64x2.extract_lane 1 (local.get $acc))))

  (func (export "cholesky") (param $a i32) (param $n i32) (param $mp i32) (result i32)
    (local $j i32) (local $i i32) (local $stride i32) (local $rj i32) (local $ri i32) (local $d f64)
    (local $k i32) (local $pairs i32) (local $y v128) (local $acc1 v128) (local $acc2 v128) (local $s1 f64) (local $s2 f64) (local $yl f64)
    (local.set $stride (i32.shl (local.get $mp) (i32.const 3)))
    (local.set $j (i32.const 0))
    (block $done
      (loop $column
        (br_if $done (i32.ge_s (local.get $j) (local.get $n)))
        (local.set $rj (i32.add (local.get $a) (i32.mul (local.get $j) (local.get $stride))))
        (local.set $d (f64.sub (f64.load (i32.add (local.get $rj) (i32.shl (local.get $j) (i32.const 3))))
          (call $dot (local.get $rj) (local.get $rj) (local.get $j))))
        (if (i32.eqz (f64.gt (local.get $d) (f64.const 0))) (then (return (local.get $j))))
        (local.set $d (f64.sqrt (local.get $d)))
        (f64.store (i32.add (local.get $rj) (i32.shl (local.get $j) (i32.const 3))) (local.get $d))
        (local.set $pairs (i32.shl (i32.and (local.get $j) (i32.const -2)) (i32.const 3))) ;; bytes of the even part of k < j
        (local.set $i (i32.add (local.get $j) (i32.const 1)))
        (local.set $ri (i32.add (local.get $rj) (local.get $stride)))
        ;; ri = &a[i][0]: rows i and i + 1 together, sharing the loads of row j; each dot as $dot sums it
        (block $pairsDone
          (loop $rowPair
            (br_if $pairsDone (i32.ge_s (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
            (local.set $acc1 (f64x2.splat (f64.const 0)))
            (local.set $acc2 (f64x2.splat (f64.const 0)))
            (local.set $k (i32.const 0))
            (block $kDone
              (loop $kPair
                (br_if $kDone (i32.ge_u (local.get $k) (local.get $pairs)))
                (local.set $y (v128.load (i32.add (local.get $rj) (local.get $k))))
                (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul (v128.load (i32.add (local.get $ri) (local.get $k))) (local.get $y))))
                (local.set $acc2 (f64x2.add (local.get $acc2)
                  (f64x2.mul (v128.load (i32.add (i32.add (local.get $ri) (local.get $stride)) (local.get $k))) (local.get $y))))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (br $kPair)))
            (local.set $s1 (f64x2.extract_lane 0 (local.get $acc1)))
            (local.set $s2 (f64x2.extract_lane 0 (local.get $acc2)))
            (if (i32.and (local.get $j) (i32.const 1))
              (then
                (local.set $yl (f64.load (i32.add (local.get $rj) (local.get $k))))
                (local.set $s1 (f64.add (local.get $s1) (f64.mul (f64.load (i32.add (local.get $ri) (local.get $k))) (local.get $yl))))
                (local.set $s2 (f64.add (local.get $s2)
                  (f64.mul (f64.load (i32.add (i32.add (local.get $ri) (local.get $stride)) (local.get $k))) (local.get $yl))))))
            (local.set $s1 (f64.add (local.get $s1) (f64x2.extract_lane 1 (local.get $acc1))))
            (local.set $s2 (f64.add (local.get $s2) (f64x2.extract_lane 1 (local.get $acc2))))
            (local.set $k (i32.add (local.get $ri) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $k) (f64.div (f64.sub (f64.load (local.get $k)) (local.get $s1)) (local.get $d)))
            (local.set $k (i32.add (local.get $k) (local.get $stride)))
            (f64.store (local.get $k) (f64.div (f64.sub (f64.load (local.get $k)) (local.get $s2)) (local.get $d)))
            (local.set $ri (i32.add (local.get $ri) (i32.shl (local.get $stride) (i32.const 1))))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $rowPair)))
        (if (i32.lt_s (local.get $i) (local.get $n))
          (then
            (local.set $k (i32.add (local.get $ri) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $k) (f64.div
              (f64.sub (f64.load (local.get $k)) (call $dot (local.get $ri) (local.get $rj) (local.get $j)))
              (local.get $d)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $column)))
    (i32.const -1))

  ;; solveCholesky(a, n, mp, b, x): x = (L·Lᵀ)⁻¹·b with L the lower triangle cholesky left in a: forward
  ;; L·z = b (z_i = (b_i − Σ_{k<i} L_ik·z_k) / L_ii, k ascending), then backward Lᵀ·x = z column by column
  ;; (x_i = z_i / L_ii, then x_k −= L_ik·x_i for k < i): the operations, in order, of the JavaScript loops it replaced.
  (func (export "solveCholesky") (param $a i32) (param $n i32) (param $mp i32) (param $b i32) (param $x i32)
    (local $i i32) (local $k i32) (local $row i32) (local $stride i32) (local $v f64) (local $xi f64)
    (local.set $stride (i32.shl (local.get $mp) (i32.const 3)))
    (local.set $i (i32.const 0))
    (local.set $row (local.get $a))
    (block $fDone
      (loop $forward
        (br_if $fDone (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $v (f64.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $k (i32.const 0))
        (block $kDone
          (loop $dotK
            (br_if $kDone (i32.ge_s (local.get $k) (local.get $i)))
            (local.set $v (f64.sub (local.get $v)
              (f64.mul (f64.load (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 3))))
                (f64.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 3)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $dotK)))
        (f64.store (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))
          (f64.div (local.get $v) (f64.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $row (i32.add (local.get $row) (local.get $stride)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $forward)))
    (local.set $i (i32.sub (local.get $n) (i32.const 1)))
    (block $bDone
      (loop $backward
        (br_if $bDone (i32.lt_s (local.get $i) (i32.const 0)))
        (local.set $row (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $xi (f64.div (f64.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3))))
          (f64.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3))))))
        (f64.store (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3))) (local.get $xi))
        (local.set $k (i32.const 0))
        (block $kDone2
          (loop $axpy
            (br_if $kDone2 (i32.ge_s (local.get $k) (local.get $i)))
            (f64.store (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 3)))
              (f64.sub (f64.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 3))))
                (f64.mul (f64.load (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 3)))) (local.get $xi))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $axpy)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $backward)))
  )
)
