#!/usr/bin/env python3
"""What scipy's side of bench/svd.ts does BEFORE the time svd.py reports (its svds() call only):
read the ratings CSV (pandas), number the ids (np.unique) and build the CSR matrix, the very lines of
../shared/anchors/svd.py. Prints one JSON line: the seconds of reading and of building.
  svd_matrix_build.py RATINGS.csv
"""
import json, sys, time
t = time.perf_counter()
import numpy as np, pandas as pd, scipy.sparse as sp
imports = time.perf_counter() - t
t = time.perf_counter()
df = pd.read_csv(sys.argv[1], usecols=[0, 1, 2])
read = time.perf_counter() - t
t = time.perf_counter()
uid, u = np.unique(df.iloc[:, 0].to_numpy(), return_inverse=True)
iid, i = np.unique(df.iloc[:, 1].to_numpy(), return_inverse=True)
r = df.iloc[:, 2].to_numpy(np.float64)
A = sp.csr_matrix((r, (u, i)), shape=(len(uid), len(iid)))
build = time.perf_counter() - t
print(json.dumps({"imports": imports, "read": read, "build": build, "shape": list(A.shape), "nnz": int(A.nnz)}))
