#!/usr/bin/env python3
"""The numpy peer of bench/recommend.ts: top-k for every user (or item) from the factors our side wrote.

Reads DIR/users.f32 and DIR/items.f32 (raw little-endian float32, rows of WIDTH) and scores
offset + U·Iᵀ in blocks of rows (float32 matrix products, BLAS with THREADS threads), keeping each
row's k best with argpartition (one thread: numpy's sorts do not use BLAS threads) and sorting them.
Blocks of 256 rows were the fastest of 256, 1024 and 4096 on 20M's factors (7.4, 9.3, 23.5 s for
20k users, load 3-7). Times only that, RUNS times; prints one JSON line (seconds of every run)
and writes the best-first indices of the last run to DIR/numpy-top-<side>.i32.
  recommend_numpy.py DIR --side user --width 10 --offset 0 --k 10 [--threads 2] [--runs 3] [--block 256]
"""
import argparse, json, time, numpy as np
from threadpoolctl import threadpool_limits

p = argparse.ArgumentParser()
p.add_argument("dir"); p.add_argument("--side", choices=["user", "item"], default="user")
p.add_argument("--width", type=int, required=True); p.add_argument("--offset", type=float, default=0.0)
p.add_argument("--k", type=int, default=10); p.add_argument("--threads", type=int, default=2)
p.add_argument("--runs", type=int, default=3); p.add_argument("--block", type=int, default=256)
a = p.parse_args()
U = np.fromfile(f"{a.dir}/users.f32", dtype="<f4").reshape(-1, a.width)
I = np.fromfile(f"{a.dir}/items.f32", dtype="<f4").reshape(-1, a.width)
own, other = (U, I) if a.side == "user" else (I, U)
n = other.shape[0]
k = min(a.k, n)
otherT = np.ascontiguousarray(other.T)


def top_k():
    out = np.empty((own.shape[0], k), dtype=np.int32)
    for s in range(0, own.shape[0], a.block):
        scores = own[s:s + a.block] @ otherT
        scores += np.float32(a.offset)
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]  # the k largest, unordered
        best = np.take_along_axis(scores, part, axis=1)
        out[s:s + a.block] = np.take_along_axis(part, np.argsort(-best, axis=1, kind="stable"), axis=1)
    return out


times = []
with threadpool_limits(limits=a.threads):
    for _ in range(a.runs):
        t = time.perf_counter()
        top = top_k()
        times.append(time.perf_counter() - t)
top.tofile(f"{a.dir}/numpy-top-{a.side}.i32")
print(json.dumps({"seconds": times, "rows": int(own.shape[0]), "others": int(other.shape[0]), "k": k, "threads": a.threads}))
