"""PyTorch's side of `metrix bench knn`: Recall@K at SOP scale (60,502 random unit embeddings of width 512,
11,316 classes) with blocked matrix products and torch.topk, the usual PyTorch evaluation. Prints one JSON
object with the time and the peak resident memory.
Run: /usr/bin/python3 tools/bench/knn.py [--n 60502 --dim 512 --classes 11316 --threads 2 --block 4096]
"""
import os

# OpenBLAS 0.3.21 takes this machine's virtualised Xeon for a "Prescott" and uses its generic kernels
# (torch.matmul ~40 GFLOP/s on 2 cores instead of ~200); on a CPU with AVX-512, name the core before torch
# loads OpenBLAS, so PyTorch is measured at its best.
if "avx512f" in open("/proc/cpuinfo").read():
    os.environ.setdefault("OPENBLAS_CORETYPE", "SKYLAKEX")
import argparse
import json
import resource
import time

import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=60502)
    p.add_argument("--dim", type=int, default=512)
    p.add_argument("--classes", type=int, default=11316)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--block", type=int, default=4096)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(1)
    x = torch.nn.functional.normalize(torch.randn(a.n, a.dim, generator=g), dim=1)
    labels = torch.randint(0, a.classes, (a.n,), generator=g)
    ks = [1, 10, 100, 1000]
    start = time.perf_counter()
    hits = torch.zeros(len(ks))
    with torch.no_grad():
        for s in range(0, a.n, a.block):
            sim = x[s:s + a.block] @ x.T
            sim[torch.arange(sim.shape[0]), torch.arange(s, s + sim.shape[0])] = -float("inf")
            idx = sim.topk(max(ks), dim=1).indices
            match = labels[idx] == labels[s:s + a.block, None]
            for i, k in enumerate(ks):
                hits[i] += match[:, :k].any(dim=1).sum()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"benchmark": "knn", "engine": "pytorch", "n": a.n, "dim": a.dim, "classes": a.classes, "seconds": round(seconds, 3),
                      "peak_memory_mb": round(peak, 1), "threads": a.threads, "recall_at_1": round(float(hits[0]) / a.n * 100, 3)}))


if __name__ == "__main__":
    main()
