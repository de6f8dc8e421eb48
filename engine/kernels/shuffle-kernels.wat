;; The WebAssembly kernels of a shuffle's map side (shuffle-wasm.ts embeds these assembled bytes and
;; copies rows through the memory in chunks): key hashing bit for bit as key-hash.ts, and scattering
;; rows into their buckets as bucket-encoder.ts's JavaScript loops (which run where wasm cannot).
;;
;;   scatter1/2/4/8  scatterN(src, ids, pos, n): row i's N bytes (src + i·N) to address
;;                   pos[ids[i]], which moves on by N; pos holds each bucket's next byte address
;;   count           count(ids, n, counts): counts[ids[i]]++
;;   count_checked   as count, but returns the first i whose id is outside [0, nb) (nothing counted
;;                   from it on), or -1 when all are in range
;;   mask, rem       h[i] = h[i] & m (SIMD), or h[i] % p unsigned (partitioner.ts hashModulo)
;;   hash_<kind>     hash_<kind>(keys, hashes, n): hashes[i] = murmur3 of the 8 bytes of keys[i] as a
;;                   float64, seeded with hashes[i] (key-hash.ts hashWords); kind says how a key
;;                   becomes that float64: i32, u32, i64, u64 converted, f64 with -0 → 0 and every
;;                   NaN → 0x7ff8000000000000
;;   hash_bytes      hash_bytes(vb, offsets, hashes, n): hashes[i] = murmur3 of row i's bytes
;;                   [vb + offsets[i], vb + offsets[i + 1]) seeded with hashes[i] (murmur3Bytes)
;;   scatter_bin     row i's bytes appended to bucket ids[i]'s values, the bucket's value length so
;;                   far to its next offsets slot (bucket-encoder.ts scatterBinary)
;;   scatter_bits    bit srcBit + i of src OR-ed into bit pos[ids[i]]++ of memory (scatterBits)
;;   hash4_<kind>    hash_<kind> four rows at a time in SIMD lanes (n a multiple of 4), for int32,
;;                   uint32 and float64 keys: each lane does the scalar code's operations
;;   zero            zero(p, n): n bytes from p set to 0 (the first key column's hash seeds)
;;
;; Pointers are byte addresses in the memory, env.memory: shared (16 pages of staging for the
;; chunks, 16 MiB for a map output's row → bucket ids, then up to 128 MiB of map output buffers),
;; imported and exported again as "memory".
;; Assembled with wabt (SIMD, canonical LEBs); a unit test checks the text against the bytes.

(module
  (import "env" "memory" (memory 16 2320 shared))

  ;; scatterN(src, ids, pos, n): for each row i, its N bytes from src + i·N to the address
  ;; pos[ids[i]], which then moves on by N (pos: each bucket's next byte address). Pointers walk
  ;; (no index arithmetic per row).
  (func (export "scatter1") (param $src i32) (param $ids i32) (param $pos i32) (param $n i32)
    (local $end i32) (local $at i32) (local $p i32)
    (local.set $end (i32.add (local.get $ids) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $ids) (local.get $end)))
        (local.set $p (i32.load (local.tee $at (i32.add (local.get $pos) (i32.shl (i32.load (local.get $ids)) (i32.const 2))))))
        (i32.store8 (local.get $p) (i32.load8_u (local.get $src)))
        (i32.store (local.get $at) (i32.add (local.get $p) (i32.const 1)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (br $rows))))

  (func (export "scatter2") (param $src i32) (param $ids i32) (param $pos i32) (param $n i32)
    (local $end i32) (local $at i32) (local $p i32)
    (local.set $end (i32.add (local.get $ids) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $ids) (local.get $end)))
        (local.set $p (i32.load (local.tee $at (i32.add (local.get $pos) (i32.shl (i32.load (local.get $ids)) (i32.const 2))))))
        (i32.store16 (local.get $p) (i32.load16_u (local.get $src)))
        (i32.store (local.get $at) (i32.add (local.get $p) (i32.const 2)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 2)))
        (br $rows))))

  (func (export "scatter4") (param $src i32) (param $ids i32) (param $pos i32) (param $n i32)
    (local $end i32) (local $at i32) (local $p i32)
    (local.set $end (i32.add (local.get $ids) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $ids) (local.get $end)))
        (local.set $p (i32.load (local.tee $at (i32.add (local.get $pos) (i32.shl (i32.load (local.get $ids)) (i32.const 2))))))
        (i32.store (local.get $p) (i32.load (local.get $src)))
        (i32.store (local.get $at) (i32.add (local.get $p) (i32.const 4)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (br $rows))))

  (func (export "scatter8") (param $src i32) (param $ids i32) (param $pos i32) (param $n i32)
    (local $end i32) (local $at i32) (local $p i32)
    (local.set $end (i32.add (local.get $ids) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $ids) (local.get $end)))
        (local.set $p (i32.load (local.tee $at (i32.add (local.get $pos) (i32.shl (i32.load (local.get $ids)) (i32.const 2))))))
        (i64.store (local.get $p) (i64.load (local.get $src)))
        (i32.store (local.get $at) (i32.add (local.get $p) (i32.const 8)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 8)))
        (br $rows))))

  ;; count(ids, n, counts): counts[ids[i]]++ for i < n.
  (func (export "count") (param $ids i32) (param $n i32) (param $counts i32)
    (local $i i32) (local $a i32)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store
          (local.tee $a (i32.add (local.get $counts)
            (i32.shl (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 2))))
          (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; count_checked(ids, n, counts, nb): counts[ids[i]]++, or the first i whose id is outside [0, nb)
  ;; (an unsigned compare: negative ids too); -1 when every id is in range.
  (func (export "count_checked") (param $ids i32) (param $n i32) (param $counts i32) (param $nb i32) (result i32)
    (local $i i32) (local $b i32) (local $a i32)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $b (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
        (if (i32.ge_u (local.get $b) (local.get $nb))
          (then (return (local.get $i))))
        (i32.store
          (local.tee $a (i32.add (local.get $counts) (i32.shl (local.get $b) (i32.const 2))))
          (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))
    (i32.const -1))

  ;; mask(h, n, m): h[i] = h[i] & m (a power-of-two number of partitions, m = parts − 1): four
  ;; rows at a time in SIMD lanes, then the last n % 4 one by one.
  (func (export "mask") (param $h i32) (param $n i32) (param $m i32)
    (local $a i32) (local $end4 i32) (local $end i32) (local $mask v128)
    (local.set $mask (i32x4.splat (local.get $m)))
    (local.set $a (local.get $h))
    (local.set $end4 (i32.add (local.get $h) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $end (i32.add (local.get $h) (i32.shl (local.get $n) (i32.const 2))))
    (block $done4
      (loop $rows4
        (br_if $done4 (i32.ge_u (local.get $a) (local.get $end4)))
        (v128.store (local.get $a) (v128.and (v128.load (local.get $a)) (local.get $mask)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br $rows4)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (i32.store (local.get $a) (i32.and (i32.load (local.get $a)) (local.get $m)))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (br $rows))))

  ;; rem(h, n, p): h[i] = h[i] % p, unsigned.
  (func (export "rem") (param $h i32) (param $n i32) (param $p i32)
    (local $i i32) (local $a i32)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store
          (local.tee $a (i32.add (local.get $h) (i32.shl (local.get $i) (i32.const 2))))
          (i32.rem_u (i32.load (local.get $a)) (local.get $p)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; hash_<kind>(keys, hashes, n): $k = the key's float64 bits; then murmur3 of its two 32-bit words
  ;; (low first) into h = hashes[i]: per word h = rotl(h ^ rotl(word·0xcc9e2d51, 15)·0x1b873593, 13)·5
  ;; + 0xe6546b64; then fmix(h ^ 8) (8: the bytes hashed) stored back to hashes[i].
  (func (export "hash_i32") (param $keys i32) (param $hashes i32) (param $n i32)
    (local $i i32) (local $k i64) (local $h i32) (local $x f64)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i64.reinterpret_f64 (f64.convert_i32_s
          (i32.load (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $h (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor
          (i32.mul (i32.rotl (i32.mul (i32.wrap_i64 (local.get $k)) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593))
          (local.get $h)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
        (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor
          (i32.mul (i32.rotl (i32.mul (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 32))) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593))
          (local.get $h)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
        (i32.store (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))
          (i32.xor
            (local.tee $h (i32.mul
              (i32.xor
                (local.tee $h (i32.mul
                  (i32.xor (local.tee $h (i32.xor (local.get $h) (i32.const 8))) (i32.shr_u (local.get $h) (i32.const 16)))
                  (i32.const 0x85ebca6b)))
                (i32.shr_u (local.get $h) (i32.const 13)))
              (i32.const 0xc2b2ae35)))
            (i32.shr_u (local.get $h) (i32.const 16))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  (func (export "hash_u32") (param $keys i32) (param $hashes i32) (param $n i32)
    (local $i i32) (local $k i64) (local $h i32) (local $x f64)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i64.reinterpret_f64 (f64.convert_i32_u
          (i32.load (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $h (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor
          (i32.mul (i32.rotl (i32.mul (i32.wrap_i64 (local.get $k)) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593))
          (local.get $h)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
        (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor
          (i32.mul (i32.rotl (i32.mul (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 32))) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593))
          (local.get $h)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
        (i32.store (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))
          (i32.xor
            (local.tee $h (i32.mul
              (i32.xor
                (local.tee $h (i32.mul
                  (i32.xor (local.tee $h (i32.xor (local.get $h) (i32.const 8))) (i32.shr_u (local.get $h) (i32.const 16)))
                  (i32.const 0x85ebca6b)))
                (i32.shr_u (local.get $h) (i32.const 13)))
              (i32.const 0xc2b2ae35)))
            (i32.shr_u (local.get $h) (i32.const 16))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  (func (export "hash_i64") (param $keys i32) (param $hashes i32) (param $n i32)
    (local $i i32) (local $k i64) (local $h i32) (local $x f64)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i64.reinterpret_f64 (f64.convert_i64_s
          (i64.load (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 3)))))))
        (local.set $h (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor
          (i32.mul (i32.rotl (i32.mul (i32.wrap_i64 (local.get $k)) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593))
          (local.get $h)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
        (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor
          (i32.mul (i32.rotl (i32.mul (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 32))) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593))
          (local.get $h)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
        (i32.store (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))
          (i32.xor
            (local.tee $h (i32.mul
              (i32.xor
                (local.tee $h (i32.mul
                  (i32.xor (local.tee $h (i32.xor (local.get $h) (i32.const 8))) (i32.shr_u (local.get $h) (i32.const 16)))
                  (i32.const 0x85ebca6b)))
                (i32.shr_u (local.get $h) (i32.const 13)))
              (i32.const 0xc2b2ae35)))
            (i32.shr_u (local.get $h) (i32.const 16))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  (func (export "hash_u64") (param $keys i32) (param $hashes i32) (param $n i32)
    (local $i i32) (local $k i64) (local $h i32) (local $x f64)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i64.reinterpret_f64 (f64.convert_i64_u
          (i64.load (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 3)))))))
        (local.set $h (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor
          (i32.mul (i32.rotl (i32.mul (i32.wrap_i64 (local.get $k)) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593))
          (local.get $h)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
        (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor
          (i32.mul (i32.rotl (i32.mul (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 32))) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593))
          (local.get $h)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
        (i32.store (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))
          (i32.xor
            (local.tee $h (i32.mul
              (i32.xor
                (local.tee $h (i32.mul
                  (i32.xor (local.tee $h (i32.xor (local.get $h) (i32.const 8))) (i32.shr_u (local.get $h) (i32.const 16)))
                  (i32.const 0x85ebca6b)))
                (i32.shr_u (local.get $h) (i32.const 13)))
              (i32.const 0xc2b2ae35)))
            (i32.shr_u (local.get $h) (i32.const 16))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; hash_f64: the key $x's bits, with -0 read as 0 (0 == -0) and every NaN as 0x7ff8000000000000.
  (func (export "hash_f64") (param $keys i32) (param $hashes i32) (param $n i32)
    (local $i i32) (local $k i64) (local $h i32) (local $x f64)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (f64.load (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $k (select (i64.const 0) (i64.reinterpret_f64 (local.get $x)) (f64.eq (local.get $x) (f64.const 0))))
        (local.set $k (select (i64.const 0x7ff8000000000000) (local.get $k) (f64.ne (local.get $x) (local.get $x))))
        (local.set $h (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor
          (i32.mul (i32.rotl (i32.mul (i32.wrap_i64 (local.get $k)) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593))
          (local.get $h)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
        (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor
          (i32.mul (i32.rotl (i32.mul (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 32))) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593))
          (local.get $h)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
        (i32.store (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))
          (i32.xor
            (local.tee $h (i32.mul
              (i32.xor
                (local.tee $h (i32.mul
                  (i32.xor (local.tee $h (i32.xor (local.get $h) (i32.const 8))) (i32.shr_u (local.get $h) (i32.const 16)))
                  (i32.const 0x85ebca6b)))
                (i32.shr_u (local.get $h) (i32.const 13)))
              (i32.const 0xc2b2ae35)))
            (i32.shr_u (local.get $h) (i32.const 16))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; hash_bytes(vb, offsets, hashes, n): murmur3 of row i's bytes, from $p = vb + offsets[i], $len
  ;; of them: the 4-byte blocks (little-endian, unaligned) up to $end, the 1-3 tail bytes, then
  ;; fmix(h ^ len). vb is where the chunk's bytes were copied less the chunk's first offset, so the
  ;; column's own offsets address them.
  (func (export "hash_bytes") (param $vb i32) (param $offsets i32) (param $hashes i32) (param $n i32)
    (local $i i32) (local $p i32) (local $end i32) (local $len i32) (local $h i32) (local $k i32)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $p (i32.add (local.get $vb)
          (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $len (i32.sub
          (i32.load (i32.add (i32.add (local.get $offsets) (i32.shl (local.get $i) (i32.const 2))) (i32.const 4)))
          (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $end (i32.add (local.get $p) (i32.and (local.get $len) (i32.const -4))))
        (local.set $h (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))))
        (block $blocks_done
          (loop $blocks
            (br_if $blocks_done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor
              (i32.mul (i32.rotl (i32.mul (i32.load align=1 (local.get $p)) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593))
              (local.get $h)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $blocks)))
        ;; the tail: k = its bytes little-endian, h ^= rotl(k·0xcc9e2d51, 15)·0x1b873593
        (if (i32.and (local.get $len) (i32.const 3))
          (then
            (local.set $k (i32.load8_u (local.get $p)))
            (if (i32.sub (i32.and (local.get $len) (i32.const 3)) (i32.const 1))
              (then
                (local.set $k (i32.xor (local.get $k)
                  (i32.shl (i32.load8_u (i32.add (local.get $p) (i32.const 1))) (i32.const 8))))))
            (if (i32.eq (i32.and (local.get $len) (i32.const 3)) (i32.const 3))
              (then
                (local.set $k (i32.xor (local.get $k)
                  (i32.shl (i32.load8_u (i32.add (local.get $p) (i32.const 2))) (i32.const 16))))))
            (local.set $h (i32.xor (local.get $h)
              (i32.mul (i32.rotl (i32.mul (local.get $k) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593))))))
        (i32.store (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))
          (i32.xor
            (local.tee $h (i32.mul
              (i32.xor
                (local.tee $h (i32.mul
                  (i32.xor (local.tee $h (i32.xor (local.get $h) (local.get $len))) (i32.shr_u (local.get $h) (i32.const 16)))
                  (i32.const 0x85ebca6b)))
                (i32.shr_u (local.get $h) (i32.const 13)))
              (i32.const 0xc2b2ae35)))
            (i32.shr_u (local.get $h) (i32.const 16))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; scatter_bin(vb, offsets, ids, state, nb, n): row i's bytes (vb + offsets[i] .. vb + offsets[i + 1])
  ;; appended to bucket b = ids[i]'s values, and the bucket's value length so far written to its next
  ;; offsets slot. state holds three nb-long arrays of addresses: values end (at $a = state + 4b),
  ;; last offsets slot (at $a + 4nb), values start (at $a + 8nb).
  (func (export "scatter_bin") (param $vb i32) (param $offsets i32) (param $ids i32) (param $state i32) (param $nb i32) (param $n i32)
    (local $i i32) (local $s i32) (local $len i32) (local $vp i32) (local $a i32) (local $op i32)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a (i32.add (local.get $state)
          (i32.shl (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 2))))
        (local.set $s (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $len (i32.sub
          (i32.load (i32.add (i32.add (local.get $offsets) (i32.shl (local.get $i) (i32.const 2))) (i32.const 4)))
          (local.get $s)))
        (memory.copy (local.tee $vp (i32.load (local.get $a))) (i32.add (local.get $vb) (local.get $s)) (local.get $len))
        (i32.store (local.get $a) (local.tee $vp (i32.add (local.get $vp) (local.get $len))))
        (i32.store (i32.add (local.get $a) (i32.mul (local.get $nb) (i32.const 4)))
          (local.tee $op (i32.add (i32.load (i32.add (local.get $a) (i32.mul (local.get $nb) (i32.const 4)))) (i32.const 4))))
        (i32.store (local.get $op)
          (i32.sub (local.get $vp) (i32.load (i32.add (local.get $a) (i32.mul (local.get $nb) (i32.const 8))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; scatter_bits(src, srcBit, ids, pos, n): bit srcBit + i of src (a validity or Bool bitmap, LSB
  ;; first) OR-ed into bit pos[ids[i]]++ of memory (pos: absolute bit addresses; regions zeroed before).
  (func (export "scatter_bits") (param $src i32) (param $srcBit i32) (param $ids i32) (param $pos i32) (param $n i32)
    (local $i i32) (local $a i32) (local $p i32) (local $bit i32) (local $addr i32)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $p (i32.load (local.tee $a (i32.add (local.get $pos)
          (i32.shl (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 2))))))
        (i32.store (local.get $a) (i32.add (local.get $p) (i32.const 1)))
        (local.set $bit (i32.add (local.get $srcBit) (local.get $i)))
        (if (i32.and
              (i32.shr_u
                (i32.load8_u (i32.add (local.get $src) (i32.shr_u (local.get $bit) (i32.const 3))))
                (i32.and (local.get $bit) (i32.const 7)))
              (i32.const 1))
          (then
            (i32.store8 (local.tee $addr (i32.shr_u (local.get $p) (i32.const 3)))
              (i32.or (i32.load8_u (local.get $addr)) (i32.shl (i32.const 1) (i32.and (local.get $p) (i32.const 7)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; hash4_<kind>(keys, hashes, n): rows i .. i + 3 at once. $d0, $d1 hold the four keys as float64
  ;; (rows i, i+1 and i+2, i+3); $lo gathers their low words, the high words go straight into the
  ;; second mix; $h holds the four hashes; $t is the scratch of each rotl (shl | shr_u).
  (func (export "hash4_i32") (param $keys i32) (param $hashes i32) (param $n i32)
    (local $i i32) (local $d0 v128) (local $d1 v128) (local $t v128) (local $lo v128) (local $h v128)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $t (v128.load (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $d0 (f64x2.convert_low_i32x4_s (local.get $t)))
        (local.set $d1 (f64x2.convert_low_i32x4_s
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $t) (local.get $t))))
        (local.set $lo (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $d0) (local.get $d1)))
        (local.set $h (v128.load (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $h (i32x4.add (i32x4.mul (v128.or (i32x4.shl (local.tee $t (v128.xor
          (i32x4.mul
            (v128.or
              (i32x4.shl (local.tee $t (i32x4.mul (local.get $lo) (v128.const i32x4 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51))) (i32.const 15))
              (i32x4.shr_u (local.get $t) (i32.const 17)))
            (v128.const i32x4 0x1b873593 0x1b873593 0x1b873593 0x1b873593))
          (local.get $h))) (i32.const 13)) (i32x4.shr_u (local.get $t) (i32.const 19)))
          (v128.const i32x4 5 5 5 5)) (v128.const i32x4 0xe6546b64 0xe6546b64 0xe6546b64 0xe6546b64)))
        (local.set $h (i32x4.add (i32x4.mul (v128.or (i32x4.shl (local.tee $t (v128.xor
          (i32x4.mul
            (v128.or
              (i32x4.shl (local.tee $t (i32x4.mul
                (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $d0) (local.get $d1))
                (v128.const i32x4 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51))) (i32.const 15))
              (i32x4.shr_u (local.get $t) (i32.const 17)))
            (v128.const i32x4 0x1b873593 0x1b873593 0x1b873593 0x1b873593))
          (local.get $h))) (i32.const 13)) (i32x4.shr_u (local.get $t) (i32.const 19)))
          (v128.const i32x4 5 5 5 5)) (v128.const i32x4 0xe6546b64 0xe6546b64 0xe6546b64 0xe6546b64)))
        (v128.store (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))
          (v128.xor
            (local.tee $h (i32x4.mul
              (v128.xor
                (local.tee $h (i32x4.mul
                  (v128.xor
                    (local.tee $h (v128.xor (local.get $h) (v128.const i32x4 8 8 8 8)))
                    (i32x4.shr_u (local.get $h) (i32.const 16)))
                  (v128.const i32x4 0x85ebca6b 0x85ebca6b 0x85ebca6b 0x85ebca6b)))
                (i32x4.shr_u (local.get $h) (i32.const 13)))
              (v128.const i32x4 0xc2b2ae35 0xc2b2ae35 0xc2b2ae35 0xc2b2ae35)))
            (i32x4.shr_u (local.get $h) (i32.const 16))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows))))

  (func (export "hash4_u32") (param $keys i32) (param $hashes i32) (param $n i32)
    (local $i i32) (local $d0 v128) (local $d1 v128) (local $t v128) (local $lo v128) (local $h v128)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $t (v128.load (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $d0 (f64x2.convert_low_i32x4_u (local.get $t)))
        (local.set $d1 (f64x2.convert_low_i32x4_u
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $t) (local.get $t))))
        (local.set $lo (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $d0) (local.get $d1)))
        (local.set $h (v128.load (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $h (i32x4.add (i32x4.mul (v128.or (i32x4.shl (local.tee $t (v128.xor
          (i32x4.mul
            (v128.or
              (i32x4.shl (local.tee $t (i32x4.mul (local.get $lo) (v128.const i32x4 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51))) (i32.const 15))
              (i32x4.shr_u (local.get $t) (i32.const 17)))
            (v128.const i32x4 0x1b873593 0x1b873593 0x1b873593 0x1b873593))
          (local.get $h))) (i32.const 13)) (i32x4.shr_u (local.get $t) (i32.const 19)))
          (v128.const i32x4 5 5 5 5)) (v128.const i32x4 0xe6546b64 0xe6546b64 0xe6546b64 0xe6546b64)))
        (local.set $h (i32x4.add (i32x4.mul (v128.or (i32x4.shl (local.tee $t (v128.xor
          (i32x4.mul
            (v128.or
              (i32x4.shl (local.tee $t (i32x4.mul
                (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $d0) (local.get $d1))
                (v128.const i32x4 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51))) (i32.const 15))
              (i32x4.shr_u (local.get $t) (i32.const 17)))
            (v128.const i32x4 0x1b873593 0x1b873593 0x1b873593 0x1b873593))
          (local.get $h))) (i32.const 13)) (i32x4.shr_u (local.get $t) (i32.const 19)))
          (v128.const i32x4 5 5 5 5)) (v128.const i32x4 0xe6546b64 0xe6546b64 0xe6546b64 0xe6546b64)))
        (v128.store (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))
          (v128.xor
            (local.tee $h (i32x4.mul
              (v128.xor
                (local.tee $h (i32x4.mul
                  (v128.xor
                    (local.tee $h (v128.xor (local.get $h) (v128.const i32x4 8 8 8 8)))
                    (i32x4.shr_u (local.get $h) (i32.const 16)))
                  (v128.const i32x4 0x85ebca6b 0x85ebca6b 0x85ebca6b 0x85ebca6b)))
                (i32x4.shr_u (local.get $h) (i32.const 13)))
              (v128.const i32x4 0xc2b2ae35 0xc2b2ae35 0xc2b2ae35 0xc2b2ae35)))
            (i32x4.shr_u (local.get $h) (i32.const 16))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows))))

  ;; hash4_f64: the keys loaded as two f64x2, each lane's -0 → 0 (lanes equal to 0 take 0) and NaN →
  ;; 0x7ff8000000000000 (lanes unequal to themselves), with bitselect.
  (func (export "hash4_f64") (param $keys i32) (param $hashes i32) (param $n i32)
    (local $i i32) (local $d0 v128) (local $d1 v128) (local $t v128) (local $lo v128) (local $h v128)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $d0 (v128.load (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $d1 (v128.load (i32.add (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 3))) (i32.const 16))))
        (local.set $d0 (v128.bitselect (v128.const i64x2 0 0) (local.get $d0)
          (f64x2.eq (local.get $d0) (v128.const i64x2 0 0))))
        (local.set $d0 (v128.bitselect (v128.const i64x2 0x7ff8000000000000 0x7ff8000000000000) (local.get $d0)
          (f64x2.ne (local.get $d0) (local.get $d0))))
        (local.set $d1 (v128.bitselect (v128.const i64x2 0 0) (local.get $d1)
          (f64x2.eq (local.get $d1) (v128.const i64x2 0 0))))
        (local.set $d1 (v128.bitselect (v128.const i64x2 0x7ff8000000000000 0x7ff8000000000000) (local.get $d1)
          (f64x2.ne (local.get $d1) (local.get $d1))))
        (local.set $lo (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $d0) (local.get $d1)))
        (local.set $h (v128.load (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $h (i32x4.add (i32x4.mul (v128.or (i32x4.shl (local.tee $t (v128.xor
          (i32x4.mul
            (v128.or
              (i32x4.shl (local.tee $t (i32x4.mul (local.get $lo) (v128.const i32x4 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51))) (i32.const 15))
              (i32x4.shr_u (local.get $t) (i32.const 17)))
            (v128.const i32x4 0x1b873593 0x1b873593 0x1b873593 0x1b873593))
          (local.get $h))) (i32.const 13)) (i32x4.shr_u (local.get $t) (i32.const 19)))
          (v128.const i32x4 5 5 5 5)) (v128.const i32x4 0xe6546b64 0xe6546b64 0xe6546b64 0xe6546b64)))
        (local.set $h (i32x4.add (i32x4.mul (v128.or (i32x4.shl (local.tee $t (v128.xor
          (i32x4.mul
            (v128.or
              (i32x4.shl (local.tee $t (i32x4.mul
                (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $d0) (local.get $d1))
                (v128.const i32x4 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51 0xcc9e2d51))) (i32.const 15))
              (i32x4.shr_u (local.get $t) (i32.const 17)))
            (v128.const i32x4 0x1b873593 0x1b873593 0x1b873593 0x1b873593))
          (local.get $h))) (i32.const 13)) (i32x4.shr_u (local.get $t) (i32.const 19)))
          (v128.const i32x4 5 5 5 5)) (v128.const i32x4 0xe6546b64 0xe6546b64 0xe6546b64 0xe6546b64)))
        (v128.store (i32.add (local.get $hashes) (i32.shl (local.get $i) (i32.const 2)))
          (v128.xor
            (local.tee $h (i32x4.mul
              (v128.xor
                (local.tee $h (i32x4.mul
                  (v128.xor
                    (local.tee $h (v128.xor (local.get $h) (v128.const i32x4 8 8 8 8)))
                    (i32x4.shr_u (local.get $h) (i32.const 16)))
                  (v128.const i32x4 0x85ebca6b 0x85ebca6b 0x85ebca6b 0x85ebca6b)))
                (i32x4.shr_u (local.get $h) (i32.const 13)))
              (v128.const i32x4 0xc2b2ae35 0xc2b2ae35 0xc2b2ae35 0xc2b2ae35)))
            (i32x4.shr_u (local.get $h) (i32.const 16))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows))))

  ;; zero(p, n): n bytes from p set to 0 (memory.fill, a memset; a fill of a JavaScript view over this
  ;; shared memory goes word by word, ~6 times slower).
  (func (export "zero") (param $p i32) (param $n i32)
    (memory.fill (local.get $p) (i32.const 0) (local.get $n)))

  (export "memory" (memory 0)))
