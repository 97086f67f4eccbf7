#!/usr/bin/python3
"""FAISS's side of `metrix bench index`: HNSW (IndexHNSWFlat, inner product) on the same vectors files
(PREFIX.base.npy, PREFIX.queries.npy written by `metrix bench index --write PREFIX`) — build time and memory,
queries per second on one thread and on all, recall@k against exact search (IndexFlatIP) for a sweep of efSearch.
Prints one JSON object. Needs Debian's python3-faiss (1.7.3) and numpy.
Run: /usr/bin/python3 tools/bench/faiss_index.py --vectors PREFIX [--M 16 --ef_construction 128 --ef_search 16,32,64,128 --threads 2]
     [--save_index PATH | --load_index PATH] (a built index searched again in a later round without rebuilding it)
"""
import os
import sys
import argparse
import json
import resource
import time

import faiss
import numpy as np


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def qps(index, queries, k, seconds):
    done, start = 0, time.perf_counter()
    while True:
        index.search(queries, k)
        done += len(queries)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vectors", required=True)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--M", type=int, default=16)
    p.add_argument("--ef_construction", type=int, default=128)
    p.add_argument("--ef_search", default="16,32,64,128")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--save_index", help="write the built index to PATH (faiss.write_index)")
    p.add_argument("--load_index", help="read the index from PATH (written by --save_index over the same vectors) instead of building it")
    p.add_argument("--progress", type=int, default=100000, help="a progress line to stderr every this many added vectors (0 = none)")
    a = p.parse_args()
    base = np.load(a.vectors + ".base.npy")
    queries = np.load(a.vectors + ".queries.npy")
    n, dim = base.shape
    faiss.omp_set_num_threads(a.threads)

    start = time.perf_counter()
    flat = faiss.IndexFlatIP(dim)
    flat.add(base)
    _, truth = flat.search(queries, a.k)
    exact_seconds = time.perf_counter() - start
    del flat

    before = rss_mb()
    build_seconds, build_load = None, ""
    if a.load_index:
        index = faiss.read_index(a.load_index)
        if index.ntotal != n or index.d != dim:
            sys.exit(f"--load_index: {a.load_index} holds {index.ntotal} x {index.d}, {a.vectors}.base.npy is {n} x {dim}")
        print(f"loaded {a.load_index}: {n} x {dim}", file=sys.stderr)
    else:
        start = time.perf_counter()
        index = faiss.IndexHNSWFlat(dim, a.M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = a.ef_construction
        # Added in chunks only to report progress (HNSW add is incremental; each chunk uses all threads).
        chunk = a.progress if a.progress > 0 else n
        for s in range(0, n, chunk):
            index.add(base[s:s + chunk])
            if a.progress > 0 and s + chunk < n:
                print(f"added {s + chunk} / {n} in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
        build_seconds = time.perf_counter() - start
        build_load = load_average()
        print(f"built {n} x {dim} in {build_seconds:.1f} s (load average {build_load})", file=sys.stderr, flush=True)
        if a.save_index:
            faiss.write_index(index, a.save_index + ".tmp")
            os.replace(a.save_index + ".tmp", a.save_index)
    after = rss_mb()

    rows = []
    for ef in [int(s) for s in a.ef_search.split(",")]:
        index.hnsw.efSearch = ef
        faiss.omp_set_num_threads(a.threads)
        _, found = index.search(queries, a.k)
        recall = np.mean([len(set(found[i]) & set(truth[i])) for i in range(len(queries))]) / a.k
        faiss.omp_set_num_threads(1)
        single = qps(index, queries, a.k, a.seconds)
        faiss.omp_set_num_threads(a.threads)
        multi = qps(index, queries, a.k, a.seconds)
        rows.append({"expansion_search": ef, "recall_at_k": round(float(recall), 4), "qps_1_thread": round(single),
                     "latency_us_1_thread": round(1e6 / single, 1), f"qps_{a.threads}_threads": round(multi),
                     "load_average": load_average()})
        print(f"ef {ef}: recall@{a.k} {recall:.4f}, {single:.0f} q/s on 1 thread, {multi:.0f} q/s on {a.threads}", file=sys.stderr, flush=True)
    print(json.dumps({"benchmark": "index", "engine": "faiss-hnsw", "faiss": faiss.__version__, "vectors": a.vectors, "n": n, "dim": dim,
                      "queries": len(queries), "k": a.k, "connectivity": index.hnsw.nb_neighbors(1), "expansion_add": index.hnsw.efConstruction, "threads": a.threads,
                      "index": ("loaded from " + a.load_index) if a.load_index else "built",
                      "build_seconds": round(build_seconds, 2) if build_seconds is not None else "not built (loaded)",
                      ("load_rss_mb" if a.load_index else "build_rss_mb"): round(after - before, 1), "build_load_average": build_load,
                      "vectors_mb": round(n * dim * 4 / 1e6, 1), "exact_seconds": round(exact_seconds, 3),
                      "exact_qps": round(len(queries) / exact_seconds),
                      "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), "search": rows}))


if __name__ == "__main__":
    main()
