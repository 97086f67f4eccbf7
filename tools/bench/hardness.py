#!/usr/bin/python3
"""How hard a vectors file is for graph search: for the first 300 queries of PREFIX.queries.npy against
PREFIX.base.npy (unit rows, files of `metrix bench index --write PREFIX`), the principal components holding
50 % and 90 % of the gallery's variance (first 20,000 rows), the median local intrinsic dimension (maximum
likelihood estimate over the 20 nearest neighbours) and the relative contrast (mean distance / distance to the
10th neighbour; lower is harder). Distances are sqrt(2 - 2 cos).
Run: /usr/bin/python3 tools/bench/hardness.py PREFIX [PREFIX ...]
"""
import sys

import numpy as np


def main():
    for prefix in sys.argv[1:]:
        base = np.load(prefix + ".base.npy")
        queries = np.load(prefix + ".queries.npy")[:300]
        sims = queries @ base.T
        top = -np.sort(-sims, axis=1)[:, :20]
        dist = np.sqrt(np.maximum(2 - 2 * top, 1e-12))
        lid = -1 / np.mean(np.log(dist / dist[:, -1:]), axis=1)
        contrast = np.sqrt(np.maximum(2 - 2 * sims.mean(1), 0)) / dist[:, 9]
        centred = base[:20000] - base[:20000].mean(0)
        var = np.linalg.svd(centred, compute_uv=False) ** 2
        cum = np.cumsum(var / var.sum())
        print(f"{prefix}: {base.shape[0]} x {base.shape[1]}, components for 50 % / 90 % of the variance "
              f"{np.searchsorted(cum, 0.5) + 1} / {np.searchsorted(cum, 0.9) + 1}, local intrinsic dimension (median) "
              f"{np.median(lid):.1f}, relative contrast (median) {np.median(contrast):.2f}")


if __name__ == "__main__":
    main()
