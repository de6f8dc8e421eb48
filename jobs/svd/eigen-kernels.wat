;; symmetric-eigen.ts's Householder tridiagonalization and implicit QL as WebAssembly: compiled code
;; from the first call (the JavaScript runs interpreted for most of a small matrix's solve, where
;; ten 21 × 21 Rayleigh–Ritz solves cost ~20 ms cold and ~0.5 ms warm). Every function performs the
;; very floating-point operations of its JavaScript twin in symmetric-eigen.ts, in the same order,
;; so the bits are the same (the twin runs when there is no WebAssembly):
;;
;;   reduce      tridiagonalize(v, d, e, n)'s Householder steps i = hi, hi − 1, …, lo + 1 (the first
;;               call, hi = n − 1, first loads d from the last row)
;;   accumulate  its accumulation steps i = lo … hi − 1 (the last call, hi = n − 1, then leaves d the
;;               diagonal, e the subdiagonal and v the accumulated transformations)
;;   symmetrize  dst[i·s + j] = 0.5·(h[i·m + j] + h[j·m + i]) for i, j < s: the symmetric part of
;;               h's leading s × s block (h m × m), the matrix the Rayleigh–Ritz step solves
;;   transpose   t = vᵀ (n × n)
;;   ql          implicitQl(vt, d, e, n)'s eigenvalues l = lo … hi − 1, rotations accumulated into
;;               the rows of vt (in SIMD pairs: each lane does the scalar operations, so the same
;;               bits); f and tst1 carried from call to call at `state` (2 numbers, exact);
;;               returns -1, or the eigenvalue l whose iteration did not converge
;;
;; Each is called for a range of steps so that a large matrix (gramian mode, n up to 4096) is many
;; calls: V8 runs a call to its end in the code it started in, so one call would run wholly in the
;; baseline (Liftoff) code, ~3.4x slower than the optimized code the later calls get (n = 1200).
;;
;; hypot(a, b) is the scaled form written identically in both (no instruction computes it).
;; Pointers are byte offsets into the exported memory; element [i][j] of an n × n matrix at
;; p + (i·n + j)·8.

(module
  (memory (export "memory") 1)

  (func $hypot (param $a f64) (param $b f64) (result f64)
    (local $x f64) (local $y f64) (local $t f64)
    (local.set $x (f64.abs (local.get $a)))
    (local.set $y (f64.abs (local.get $b)))
    (if (f64.gt (local.get $x) (local.get $y))
      (then
        (local.set $t (f64.div (local.get $y) (local.get $x)))
        (return (f64.mul (local.get $x) (f64.sqrt (f64.add (f64.const 1) (f64.mul (local.get $t) (local.get $t))))))))
    (if (f64.eq (local.get $y) (f64.const 0)) (then (return (f64.const 0))))
    (local.set $t (f64.div (local.get $x) (local.get $y)))
    (f64.mul (local.get $y) (f64.sqrt (f64.add (f64.const 1) (f64.mul (local.get $t) (local.get $t))))))

  (func (export "reduce") (param $v i32) (param $d i32) (param $e i32) (param $n i32) (param $hi i32) (param $lo i32)
    (local $i i32) (local $j i32) (local $k i32) (local $st i32) (local $row i32)
    (local $pv i32) (local $pd i32) (local $pe i32) (local $end i32)
    (local $scale f64) (local $h f64) (local $f f64) (local $g f64) (local $hh f64) (local $x f64)
    (local.set $st (i32.shl (local.get $n) (i32.const 3)))
    (local.set $row (i32.add (local.get $v) (i32.mul (i32.sub (local.get $n) (i32.const 1)) (local.get $st))))
    ;; first call (hi = n − 1): d[j] = v[(n − 1)·n + j]
    (if (i32.eq (local.get $hi) (i32.sub (local.get $n) (i32.const 1)))
      (then
        (local.set $j (i32.const 0))
        (block $first_done
          (loop $first
            (br_if $first_done (i32.ge_s (local.get $j) (local.get $n)))
            (f64.store (i32.add (local.get $d) (i32.shl (local.get $j) (i32.const 3)))
              (f64.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $first)))))
    (local.set $i (local.get $hi))
    (block $reduce_done
      (loop $reduce
        (br_if $reduce_done (i32.le_s (local.get $i) (local.get $lo)))
        ;; scale = Σ_{k<i} |d[k]|
        (local.set $scale (f64.const 0))
        (local.set $h (f64.const 0))
        (local.set $k (i32.const 0))
        (block $scale_done
          (loop $scale_loop
            (br_if $scale_done (i32.ge_s (local.get $k) (local.get $i)))
            (local.set $scale (f64.add (local.get $scale) (f64.abs (f64.load (i32.add (local.get $d) (i32.shl (local.get $k) (i32.const 3)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $scale_loop)))
        (if (f64.eq (local.get $scale) (f64.const 0))
          (then
            ;; e[i] = d[i − 1]; for j < i: d[j] = v[(i − 1)·n + j], v[i·n + j] = v[j·n + i] = 0
            (f64.store (i32.add (local.get $e) (i32.shl (local.get $i) (i32.const 3)))
              (f64.load (i32.add (local.get $d) (i32.shl (i32.sub (local.get $i) (i32.const 1)) (i32.const 3)))))
            (local.set $j (i32.const 0))
            (block $zero_done
              (loop $zero
                (br_if $zero_done (i32.ge_s (local.get $j) (local.get $i)))
                (f64.store (i32.add (local.get $d) (i32.shl (local.get $j) (i32.const 3)))
                  (f64.load (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (i32.sub (local.get $i) (i32.const 1)) (local.get $n)) (local.get $j)) (i32.const 3)))))
                (f64.store (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3))) (f64.const 0))
                (f64.store (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $n)) (local.get $i)) (i32.const 3))) (f64.const 0))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $zero))))
          (else
            ;; the Householder vector: d[k] /= scale, h = Σ d[k]²
            (local.set $k (i32.const 0))
            (block $house_done
              (loop $house
                (br_if $house_done (i32.ge_s (local.get $k) (local.get $i)))
                (local.set $pd (i32.add (local.get $d) (i32.shl (local.get $k) (i32.const 3))))
                (local.set $x (f64.div (f64.load (local.get $pd)) (local.get $scale)))
                (f64.store (local.get $pd) (local.get $x))
                (local.set $h (f64.add (local.get $h) (f64.mul (local.get $x) (local.get $x))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $house)))
            (local.set $pd (i32.add (local.get $d) (i32.shl (i32.sub (local.get $i) (i32.const 1)) (i32.const 3))))
            (local.set $f (f64.load (local.get $pd)))
            (local.set $g (f64.sqrt (local.get $h)))
            (if (f64.gt (local.get $f) (f64.const 0)) (then (local.set $g (f64.neg (local.get $g)))))
            (f64.store (i32.add (local.get $e) (i32.shl (local.get $i) (i32.const 3))) (f64.mul (local.get $scale) (local.get $g)))
            (local.set $h (f64.sub (local.get $h) (f64.mul (local.get $f) (local.get $g))))
            (f64.store (local.get $pd) (f64.sub (local.get $f) (local.get $g)))
            (local.set $j (i32.const 0))
            (block $clear_done
              (loop $clear
                (br_if $clear_done (i32.ge_s (local.get $j) (local.get $i)))
                (f64.store (i32.add (local.get $e) (i32.shl (local.get $j) (i32.const 3))) (f64.const 0))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $clear)))
            ;; the similarity transformation on the remaining columns
            (local.set $end (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 3))))
            (local.set $j (i32.const 0))
            (block $sim_done
              (loop $sim
                (br_if $sim_done (i32.ge_s (local.get $j) (local.get $i)))
                (local.set $f (f64.load (i32.add (local.get $d) (i32.shl (local.get $j) (i32.const 3)))))
                (f64.store (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $n)) (local.get $i)) (i32.const 3))) (local.get $f))
                (local.set $g (f64.add (f64.load (i32.add (local.get $e) (i32.shl (local.get $j) (i32.const 3))))
                  (f64.mul (f64.load (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $n)) (local.get $j)) (i32.const 3)))) (local.get $f))))
                ;; k = j + 1 … i − 1: pv = &v[k·n + j], pd = &d[k], pe = &e[k]
                (local.set $pv (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (i32.add (local.get $j) (i32.const 1)) (local.get $n)) (local.get $j)) (i32.const 3))))
                (local.set $pd (i32.add (local.get $d) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3))))
                (local.set $pe (i32.add (local.get $e) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3))))
                (block $sim_k_done
                  (loop $sim_k
                    (br_if $sim_k_done (i32.ge_u (local.get $pd) (local.get $end)))
                    (local.set $x (f64.load (local.get $pv)))
                    (local.set $g (f64.add (local.get $g) (f64.mul (local.get $x) (f64.load (local.get $pd)))))
                    (f64.store (local.get $pe) (f64.add (f64.load (local.get $pe)) (f64.mul (local.get $x) (local.get $f))))
                    (local.set $pv (i32.add (local.get $pv) (local.get $st)))
                    (local.set $pd (i32.add (local.get $pd) (i32.const 8)))
                    (local.set $pe (i32.add (local.get $pe) (i32.const 8)))
                    (br $sim_k)))
                (f64.store (i32.add (local.get $e) (i32.shl (local.get $j) (i32.const 3))) (local.get $g))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $sim)))
            ;; e[j] /= h, f = Σ e[j]·d[j]
            (local.set $f (f64.const 0))
            (local.set $j (i32.const 0))
            (block $ediv_done
              (loop $ediv
                (br_if $ediv_done (i32.ge_s (local.get $j) (local.get $i)))
                (local.set $pe (i32.add (local.get $e) (i32.shl (local.get $j) (i32.const 3))))
                (local.set $x (f64.div (f64.load (local.get $pe)) (local.get $h)))
                (f64.store (local.get $pe) (local.get $x))
                (local.set $f (f64.add (local.get $f) (f64.mul (local.get $x) (f64.load (i32.add (local.get $d) (i32.shl (local.get $j) (i32.const 3)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $ediv)))
            (local.set $hh (f64.div (local.get $f) (f64.add (local.get $h) (local.get $h))))
            (local.set $j (i32.const 0))
            (block $eupd_done
              (loop $eupd
                (br_if $eupd_done (i32.ge_s (local.get $j) (local.get $i)))
                (local.set $pe (i32.add (local.get $e) (i32.shl (local.get $j) (i32.const 3))))
                (f64.store (local.get $pe) (f64.sub (f64.load (local.get $pe))
                  (f64.mul (local.get $hh) (f64.load (i32.add (local.get $d) (i32.shl (local.get $j) (i32.const 3)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $eupd)))
            ;; for j < i: v[k·n + j] −= f·e[k] + g·d[k] (k = j … i − 1); d[j] = v[(i − 1)·n + j]; v[i·n + j] = 0
            (local.set $j (i32.const 0))
            (block $upd_done
              (loop $upd
                (br_if $upd_done (i32.ge_s (local.get $j) (local.get $i)))
                (local.set $f (f64.load (i32.add (local.get $d) (i32.shl (local.get $j) (i32.const 3)))))
                (local.set $g (f64.load (i32.add (local.get $e) (i32.shl (local.get $j) (i32.const 3)))))
                (local.set $pv (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $n)) (local.get $j)) (i32.const 3))))
                (local.set $pd (i32.add (local.get $d) (i32.shl (local.get $j) (i32.const 3))))
                (local.set $pe (i32.add (local.get $e) (i32.shl (local.get $j) (i32.const 3))))
                (block $upd_k_done
                  (loop $upd_k
                    (br_if $upd_k_done (i32.ge_u (local.get $pd) (local.get $end)))
                    (f64.store (local.get $pv) (f64.sub (f64.load (local.get $pv))
                      (f64.add (f64.mul (local.get $f) (f64.load (local.get $pe))) (f64.mul (local.get $g) (f64.load (local.get $pd))))))
                    (local.set $pv (i32.add (local.get $pv) (local.get $st)))
                    (local.set $pd (i32.add (local.get $pd) (i32.const 8)))
                    (local.set $pe (i32.add (local.get $pe) (i32.const 8)))
                    (br $upd_k)))
                (f64.store (i32.add (local.get $d) (i32.shl (local.get $j) (i32.const 3)))
                  (f64.load (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (i32.sub (local.get $i) (i32.const 1)) (local.get $n)) (local.get $j)) (i32.const 3)))))
                (f64.store (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3))) (f64.const 0))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $upd)))))
        (f64.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 3))) (local.get $h))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $reduce))))

  (func (export "accumulate") (param $v i32) (param $d i32) (param $e i32) (param $n i32) (param $lo i32) (param $hi i32)
    (local $i i32) (local $j i32) (local $k i32) (local $st i32) (local $row i32)
    (local $pv i32) (local $pd i32) (local $pe i32) (local $end i32)
    (local $h f64) (local $g f64)
    (local.set $st (i32.shl (local.get $n) (i32.const 3)))
    (local.set $row (i32.add (local.get $v) (i32.mul (i32.sub (local.get $n) (i32.const 1)) (local.get $st))))
    (local.set $i (local.get $lo))
    (block $acc_done
      (loop $acc
        (br_if $acc_done (i32.ge_s (local.get $i) (local.get $hi)))
        (local.set $pv (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $i)) (i32.const 3))))
        (f64.store (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3))) (f64.load (local.get $pv)))
        (f64.store (local.get $pv) (f64.const 1))
        (local.set $h (f64.load (i32.add (local.get $d) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 3)))))
        (local.set $end (i32.add (local.get $d) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 3))))
        (if (f64.ne (local.get $h) (f64.const 0))
          (then
            ;; d[k] = v[k·n + i + 1] / h for k ≤ i
            (local.set $pv (i32.add (local.get $v) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 3))))
            (local.set $pd (local.get $d))
            (block $acc_d_done
              (loop $acc_d
                (br_if $acc_d_done (i32.ge_u (local.get $pd) (local.get $end)))
                (f64.store (local.get $pd) (f64.div (f64.load (local.get $pv)) (local.get $h)))
                (local.set $pv (i32.add (local.get $pv) (local.get $st)))
                (local.set $pd (i32.add (local.get $pd) (i32.const 8)))
                (br $acc_d)))
            (local.set $j (i32.const 0))
            (block $acc_j_done
              (loop $acc_j
                (br_if $acc_j_done (i32.gt_s (local.get $j) (local.get $i)))
                ;; g = Σ_{k ≤ i} v[k·n + i + 1]·v[k·n + j]
                (local.set $g (f64.const 0))
                (local.set $pe (i32.add (local.get $v) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 3))))
                (local.set $pv (i32.add (local.get $v) (i32.shl (local.get $j) (i32.const 3))))
                (local.set $pd (local.get $d))
                (block $acc_g_done
                  (loop $acc_g
                    (br_if $acc_g_done (i32.ge_u (local.get $pd) (local.get $end)))
                    (local.set $g (f64.add (local.get $g) (f64.mul (f64.load (local.get $pe)) (f64.load (local.get $pv)))))
                    (local.set $pe (i32.add (local.get $pe) (local.get $st)))
                    (local.set $pv (i32.add (local.get $pv) (local.get $st)))
                    (local.set $pd (i32.add (local.get $pd) (i32.const 8)))
                    (br $acc_g)))
                ;; v[k·n + j] −= g·d[k] for k ≤ i
                (local.set $pv (i32.add (local.get $v) (i32.shl (local.get $j) (i32.const 3))))
                (local.set $pd (local.get $d))
                (block $acc_v_done
                  (loop $acc_v
                    (br_if $acc_v_done (i32.ge_u (local.get $pd) (local.get $end)))
                    (f64.store (local.get $pv) (f64.sub (f64.load (local.get $pv)) (f64.mul (local.get $g) (f64.load (local.get $pd)))))
                    (local.set $pv (i32.add (local.get $pv) (local.get $st)))
                    (local.set $pd (i32.add (local.get $pd) (i32.const 8)))
                    (br $acc_v)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $acc_j)))))
        ;; v[k·n + i + 1] = 0 for k ≤ i
        (local.set $pv (i32.add (local.get $v) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 3))))
        (local.set $pd (local.get $d))
        (block $acc_z_done
          (loop $acc_z
            (br_if $acc_z_done (i32.ge_u (local.get $pd) (local.get $end)))
            (f64.store (local.get $pv) (f64.const 0))
            (local.set $pv (i32.add (local.get $pv) (local.get $st)))
            (local.set $pd (i32.add (local.get $pd) (i32.const 8)))
            (br $acc_z)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $acc)))
    ;; last call (hi = n − 1): d = the last row; that row becomes e_{n−1}
    (if (i32.eq (local.get $hi) (i32.sub (local.get $n) (i32.const 1)))
      (then
        (local.set $j (i32.const 0))
        (block $last_done
          (loop $last
            (br_if $last_done (i32.ge_s (local.get $j) (local.get $n)))
            (local.set $pv (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (i32.add (local.get $d) (i32.shl (local.get $j) (i32.const 3))) (f64.load (local.get $pv)))
            (f64.store (local.get $pv) (f64.const 0))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $last)))
        (f64.store (i32.add (local.get $row) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 3))) (f64.const 1))
        (f64.store (local.get $e) (f64.const 0)))))

  (func (export "transpose") (param $a i32) (param $t i32) (param $n i32)
    (local $i i32) (local $j i32) (local $pa i32) (local $pt i32) (local $st i32)
    (local.set $st (i32.shl (local.get $n) (i32.const 3)))
    (local.set $pa (local.get $a))
    (block $i_done
      (loop $i_loop
        (br_if $i_done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $pt (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $j (i32.const 0))
        (block $j_done
          (loop $j_loop
            (br_if $j_done (i32.ge_s (local.get $j) (local.get $n)))
            (f64.store (local.get $pt) (f64.load (local.get $pa)))
            (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
            (local.set $pt (i32.add (local.get $pt) (local.get $st)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $j_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $i_loop))))

  (func (export "ql") (param $vt i32) (param $d i32) (param $e i32) (param $n i32) (param $lo i32) (param $hi i32) (param $state i32) (result i32)
    (local $i i32) (local $l i32) (local $m i32) (local $k i32) (local $iterations i32) (local $st i32)
    (local $p0 i32) (local $p1 i32) (local $end i32)
    (local $f f64) (local $tst1 f64) (local $eps f64) (local $g f64) (local $p f64) (local $r f64)
    (local $h f64) (local $dl1 f64) (local $c f64) (local $c2 f64) (local $c3 f64) (local $el1 f64)
    (local $s f64) (local $s2 f64) (local $el f64) (local $ei f64) (local $di f64) (local $x f64) (local $y f64)
    (local $sv v128) (local $cv v128) (local $xv v128) (local $yv v128)
    (local.set $st (i32.shl (local.get $n) (i32.const 3)))
    (if (i32.eq (local.get $lo) (i32.const 0))
      (then
        ;; first call: e[i − 1] = e[i]; e[n − 1] = 0; f = tst1 = 0
        (local.set $i (i32.const 1))
        (block $shift_done
          (loop $shift
            (br_if $shift_done (i32.ge_s (local.get $i) (local.get $n)))
            (f64.store (i32.add (local.get $e) (i32.shl (i32.sub (local.get $i) (i32.const 1)) (i32.const 3)))
              (f64.load (i32.add (local.get $e) (i32.shl (local.get $i) (i32.const 3)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $shift)))
        (f64.store (i32.add (local.get $e) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 3))) (f64.const 0)))
      (else
        ;; later calls: f and tst1 as the previous call left them
        (local.set $f (f64.load (local.get $state)))
        (local.set $tst1 (f64.load offset=8 (local.get $state)))))
    (local.set $eps (f64.const 0x1p-52))
    (local.set $l (local.get $lo))
    (block $l_done
      (loop $l_loop
        (br_if $l_done (i32.ge_s (local.get $l) (local.get $hi)))
        ;; find a small subdiagonal element
        (local.set $tst1 (f64.max (local.get $tst1)
          (f64.add (f64.abs (f64.load (i32.add (local.get $d) (i32.shl (local.get $l) (i32.const 3)))))
                   (f64.abs (f64.load (i32.add (local.get $e) (i32.shl (local.get $l) (i32.const 3))))))))
        (local.set $m (local.get $l))
        (block $m_done
          (loop $m_loop
            (br_if $m_done (i32.ge_s (local.get $m) (local.get $n)))
            (br_if $m_done (f64.le (f64.abs (f64.load (i32.add (local.get $e) (i32.shl (local.get $m) (i32.const 3)))))
                                   (f64.mul (local.get $eps) (local.get $tst1))))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))
            (br $m_loop)))
        (if (i32.eq (local.get $m) (local.get $n)) (then (local.set $m (i32.sub (local.get $n) (i32.const 1)))))
        (if (i32.gt_s (local.get $m) (local.get $l))
          (then
            (local.set $iterations (i32.const 0))
            (loop $iterate
              (local.set $iterations (i32.add (local.get $iterations) (i32.const 1)))
              (if (i32.gt_s (local.get $iterations) (i32.add (i32.mul (i32.const 60) (local.get $n)) (i32.const 100)))
                (then (return (local.get $l))))
              ;; the implicit shift
              (local.set $el (f64.load (i32.add (local.get $e) (i32.shl (local.get $l) (i32.const 3)))))
              (local.set $g (f64.load (i32.add (local.get $d) (i32.shl (local.get $l) (i32.const 3)))))
              (local.set $p (f64.div (f64.sub (f64.load (i32.add (local.get $d) (i32.shl (i32.add (local.get $l) (i32.const 1)) (i32.const 3)))) (local.get $g))
                                     (f64.mul (f64.const 2) (local.get $el))))
              (local.set $r (call $hypot (local.get $p) (f64.const 1)))
              (if (f64.lt (local.get $p) (f64.const 0)) (then (local.set $r (f64.neg (local.get $r)))))
              (f64.store (i32.add (local.get $d) (i32.shl (local.get $l) (i32.const 3)))
                (f64.div (local.get $el) (f64.add (local.get $p) (local.get $r))))
              (local.set $dl1 (f64.mul (local.get $el) (f64.add (local.get $p) (local.get $r))))
              (f64.store (i32.add (local.get $d) (i32.shl (i32.add (local.get $l) (i32.const 1)) (i32.const 3))) (local.get $dl1))
              (local.set $h (f64.sub (local.get $g) (f64.load (i32.add (local.get $d) (i32.shl (local.get $l) (i32.const 3))))))
              (local.set $i (i32.add (local.get $l) (i32.const 2)))
              (block $sub_done
                (loop $sub
                  (br_if $sub_done (i32.ge_s (local.get $i) (local.get $n)))
                  (local.set $p0 (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 3))))
                  (f64.store (local.get $p0) (f64.sub (f64.load (local.get $p0)) (local.get $h)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $sub)))
              (local.set $f (f64.add (local.get $f) (local.get $h)))
              ;; the implicit QL transformation
              (local.set $p (f64.load (i32.add (local.get $d) (i32.shl (local.get $m) (i32.const 3)))))
              (local.set $c (f64.const 1))
              (local.set $c2 (local.get $c))
              (local.set $c3 (local.get $c))
              (local.set $el1 (f64.load (i32.add (local.get $e) (i32.shl (i32.add (local.get $l) (i32.const 1)) (i32.const 3)))))
              (local.set $s (f64.const 0))
              (local.set $s2 (f64.const 0))
              (local.set $i (i32.sub (local.get $m) (i32.const 1)))
              (block $rot_done
                (loop $rot
                  (br_if $rot_done (i32.lt_s (local.get $i) (local.get $l)))
                  (local.set $c3 (local.get $c2))
                  (local.set $c2 (local.get $c))
                  (local.set $s2 (local.get $s))
                  (local.set $ei (f64.load (i32.add (local.get $e) (i32.shl (local.get $i) (i32.const 3)))))
                  (local.set $g (f64.mul (local.get $c) (local.get $ei)))
                  (local.set $h (f64.mul (local.get $c) (local.get $p)))
                  (local.set $r (call $hypot (local.get $p) (local.get $ei)))
                  (f64.store (i32.add (local.get $e) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 3))) (f64.mul (local.get $s) (local.get $r)))
                  (local.set $s (f64.div (local.get $ei) (local.get $r)))
                  (local.set $c (f64.div (local.get $p) (local.get $r)))
                  (local.set $di (f64.load (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 3)))))
                  (local.set $p (f64.sub (f64.mul (local.get $c) (local.get $di)) (f64.mul (local.get $s) (local.get $g))))
                  (f64.store (i32.add (local.get $d) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 3)))
                    (f64.add (local.get $h) (f64.mul (local.get $s) (f64.add (f64.mul (local.get $c) (local.get $g)) (f64.mul (local.get $s) (local.get $di))))))
                  ;; accumulate the rotation into rows i and i + 1 of vt
                  (local.set $p0 (i32.add (local.get $vt) (i32.mul (local.get $i) (local.get $st))))
                  (local.set $p1 (i32.add (local.get $p0) (local.get $st)))
                  (local.set $end (local.get $p1))
                  ;; two entries at a time (SIMD lanes do the scalar operations), an odd n's last alone
                  (local.set $sv (f64x2.splat (local.get $s)))
                  (local.set $cv (f64x2.splat (local.get $c)))
                  (block $acc2_done
                    (loop $acc2
                      (br_if $acc2_done (i32.gt_u (i32.add (local.get $p0) (i32.const 16)) (local.get $end)))
                      (local.set $yv (v128.load (local.get $p1)))
                      (local.set $xv (v128.load (local.get $p0)))
                      (v128.store (local.get $p1) (f64x2.add (f64x2.mul (local.get $sv) (local.get $xv)) (f64x2.mul (local.get $cv) (local.get $yv))))
                      (v128.store (local.get $p0) (f64x2.sub (f64x2.mul (local.get $cv) (local.get $xv)) (f64x2.mul (local.get $sv) (local.get $yv))))
                      (local.set $p0 (i32.add (local.get $p0) (i32.const 16)))
                      (local.set $p1 (i32.add (local.get $p1) (i32.const 16)))
                      (br $acc2)))
                  (block $acc_done
                    (loop $acc
                      (br_if $acc_done (i32.ge_u (local.get $p0) (local.get $end)))
                      (local.set $y (f64.load (local.get $p1)))
                      (local.set $x (f64.load (local.get $p0)))
                      (f64.store (local.get $p1) (f64.add (f64.mul (local.get $s) (local.get $x)) (f64.mul (local.get $c) (local.get $y))))
                      (f64.store (local.get $p0) (f64.sub (f64.mul (local.get $c) (local.get $x)) (f64.mul (local.get $s) (local.get $y))))
                      (local.set $p0 (i32.add (local.get $p0) (i32.const 8)))
                      (local.set $p1 (i32.add (local.get $p1) (i32.const 8)))
                      (br $acc)))
                  (local.set $i (i32.sub (local.get $i) (i32.const 1)))
                  (br $rot)))
              (local.set $p (f64.div (f64.mul (f64.mul (f64.mul (f64.mul (f64.neg (local.get $s)) (local.get $s2)) (local.get $c3)) (local.get $el1))
                                              (f64.load (i32.add (local.get $e) (i32.shl (local.get $l) (i32.const 3)))))
                                     (local.get $dl1)))
              (f64.store (i32.add (local.get $e) (i32.shl (local.get $l) (i32.const 3))) (f64.mul (local.get $s) (local.get $p)))
              (f64.store (i32.add (local.get $d) (i32.shl (local.get $l) (i32.const 3))) (f64.mul (local.get $c) (local.get $p)))
              (br_if $iterate (f64.gt (f64.abs (f64.load (i32.add (local.get $e) (i32.shl (local.get $l) (i32.const 3)))))
                                      (f64.mul (local.get $eps) (local.get $tst1)))))))
        (local.set $p0 (i32.add (local.get $d) (i32.shl (local.get $l) (i32.const 3))))
        (f64.store (local.get $p0) (f64.add (f64.load (local.get $p0)) (local.get $f)))
        (f64.store (i32.add (local.get $e) (i32.shl (local.get $l) (i32.const 3))) (f64.const 0))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $l_loop)))
    (f64.store (local.get $state) (local.get $f))
    (f64.store offset=8 (local.get $state) (local.get $tst1))
    (i32.const -1))

  (func (export "symmetrize") (param $dst i32) (param $h i32) (param $m i32) (param $s i32)
    (local $i i32) (local $j i32)
    (block $i_done
      (loop $i_loop
        (br_if $i_done (i32.ge_s (local.get $i) (local.get $s)))
        (local.set $j (i32.const 0))
        (block $j_done
          (loop $j_loop
            (br_if $j_done (i32.ge_s (local.get $j) (local.get $s)))
            (f64.store (local.get $dst)
              (f64.mul (f64.const 0.5)
                (f64.add (f64.load (i32.add (local.get $h) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $m)) (local.get $j)) (i32.const 3))))
                         (f64.load (i32.add (local.get $h) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $m)) (local.get $i)) (i32.const 3)))))))
            (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $j_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $i_loop)))))
