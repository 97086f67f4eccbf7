#!/usr/bin/env python3
"""The PyTorch equivalent of `metrix bench`: times whole training steps of the embedding network.

Same network (torchvision ResNet body, global average + max pooling, Linear to 128, L2 normalisation),
frozen BatchNorm (eval mode, affine not trained), random images with 4 images per class, the release's
contrastive loss (pytorch-metric-learning's ContrastiveLoss: pos_margin 0, neg_margin 0.5, Lp distance,
mean over the non-zero terms of each polarity), Metrix mixing at input / feature / embedding level of
pos-neg or anc-neg pairs with interpolated labels (a plain implementation that materialises the mixed
images or feature maps), clipping by value 10 and AdamW. Prints one JSON object with the fields of
`metrix bench --json`. With --gemm, times torch.matmul on the shapes of `metrix bench --gemm`.

Usage: /usr/bin/python3 tools/bench/torch_step.py --model resnet18 --batch_size 100 --image_size 64 \
           --steps 10 --warmup 2 --threads 2 --mode baseline [--pairs posneg,ancneg] [--gemm]
"""
import os

# OpenBLAS 0.3.21 takes this machine's virtualised Xeon for a "Prescott" and uses its generic kernels
# (torch.matmul ~40 GFLOP/s on 2 cores instead of ~200); on a CPU with AVX-512, name the core before torch
# loads OpenBLAS, so PyTorch is measured at its best.
if "avx512f" in open("/proc/cpuinfo").read():
    os.environ.setdefault("OPENBLAS_CORETYPE", "SKYLAKEX")
import argparse
import json
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

IMAGES_PER_CLASS = 4


class EmbeddingNet(torch.nn.Module):
    def __init__(self, model, dim):
        super().__init__()
        r = getattr(torchvision.models, model)(weights=None)
        self.body = torch.nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool, r.layer1, r.layer2, r.layer3, r.layer4)
        self.embedding = torch.nn.Linear(r.fc.in_features, dim)
        torch.nn.init.kaiming_normal_(self.embedding.weight, mode="fan_out")
        torch.nn.init.zeros_(self.embedding.bias)

    def freeze_bn(self):
        for m in self.body.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.eval()
                m.weight.requires_grad_(False)
                m.bias.requires_grad_(False)

    def features(self, x):
        return self.body(x)

    @staticmethod
    def pool(f):
        return F.adaptive_avg_pool2d(f, 1).flatten(1) + F.adaptive_max_pool2d(f, 1).flatten(1)

    def embed(self, pooled):
        return F.normalize(self.embedding(pooled), p=2, dim=1)

    def forward(self, x):
        return self.embed(self.pool(self.features(x)))


def nonzero_mean(t):
    nz = t[t > 0]
    return nz.mean() if nz.numel() > 0 else t.new_zeros(())


def contrastive_clean(E, labels):
    """pytorch-metric-learning's ContrastiveLoss (pos_margin 0, neg_margin 0.5, AvgNonZero reducers)."""
    dist = torch.cdist(E, E, p=2)
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool)
    return nonzero_mean(torch.relu(dist[same & ~eye])) + nonzero_mean(torch.relu(0.5 - dist[~same]))


def contrastive_pairs(A, X, anchor, cand, y):
    """The same terms with soft labels: y·[d]₊ and (1 − y)·[0.5 − d]₊ per (anchor, candidate) pair."""
    d = (A[anchor] - X[cand]).norm(dim=1)
    return nonzero_mean(y * torch.relu(d)) + nonzero_mean((1 - y) * torch.relu(0.5 - d))


def mix_plan(pair_set, labels, lam, negatives=None):
    """Distinct mixes (first, second) and (anchor, mix, label) pairs, as docs/method.md#pair-sets (pos-neg and anc-neg)."""
    lab = labels.numpy()
    n = len(lab)
    if negatives is None:
        diff = lab[:, None] != lab[None, :]
        first, second = np.nonzero(diff)  # every (i, j) of different classes, row-major
        mix_index = -np.ones((n, n), dtype=np.int64)
        mix_index[first, second] = np.arange(len(first))
        if pair_set == "ancneg":
            return first, second, first, np.arange(len(first)), np.full(len(first), lam, dtype=np.float32)
        anchors, mixes = [], []
        for a in range(n):
            pos = np.nonzero((lab == lab[a]) & (np.arange(n) != a))[0]
            neg = np.nonzero(lab != lab[a])[0]
            m = mix_index[pos[:, None], neg[None, :]].ravel()
            anchors.append(np.full(len(m), a))
            mixes.append(m)
        anchors, mixes = np.concatenate(anchors), np.concatenate(mixes)
        return first, second, anchors, mixes, np.full(len(mixes), lam, dtype=np.float32)
    index, first, second, anchors, mixes = {}, [], [], [], []
    for a in range(n):
        sources = [p for p in range(n) if p != a and lab[p] == lab[a]] if pair_set == "posneg" else [a]
        for p in sources:
            for q in negatives[a]:
                key = (p, int(q))
                if key not in index:
                    index[key] = len(first)
                    first.append(p)
                    second.append(int(q))
                anchors.append(a)
                mixes.append(index[key])
    return np.array(first), np.array(second), np.array(anchors), np.array(mixes), np.full(len(mixes), lam, dtype=np.float32)


def objective(net, images, labels, mode, pair_sets, rng, hard_negatives=3, alpha=2.0, weight=0.4):
    features = net.features(images)
    E = net.embed(net.pool(features))
    clean = contrastive_clean(E, labels)
    if mode == "baseline":
        return clean
    lam = float(rng.beta(alpha, alpha))
    pair_set = pair_sets[rng.integers(len(pair_sets))]
    negatives = None
    if mode == "input":
        with torch.no_grad():
            sim = E @ E.t()
            sim[labels[:, None] == labels[None, :]] = -float("inf")
            negatives = sim.topk(hard_negatives, dim=1).indices.numpy()
    first, second, anchors, mixes, y = mix_plan(pair_set, labels, lam, negatives)
    first, second = torch.from_numpy(first), torch.from_numpy(second)
    if mode == "embed":
        mixed = lam * E[first] + (1 - lam) * E[second]
    elif mode == "feature":
        mixed = net.embed(net.pool(lam * features[first] + (1 - lam) * features[second]))
    else:
        mixed = net(lam * images[first] + (1 - lam) * images[second])
    mixed_loss = contrastive_pairs(E, mixed, torch.from_numpy(anchors), torch.from_numpy(mixes), torch.from_numpy(y))
    return clean + weight * mixed_loss


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def step_bench(args):
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    net = EmbeddingNet(args.model, args.embedding_size)
    net.train()
    net.freeze_bn()
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([
        {"params": [p for p in net.body.parameters() if p.requires_grad]},
        {"params": list(net.embedding.parameters())},
    ], lr=1e-4, weight_decay=1e-4)
    images = torch.randn(args.batch_size, 3, args.image_size, args.image_size)
    labels = torch.arange(args.batch_size) // IMAGES_PER_CLASS
    pair_sets = args.pairs.split(",")
    totals, forwards, backwards, opts, cpus = [], [], [], [], []
    for s in range(args.warmup + args.steps):
        c0 = time.process_time()
        t0 = time.perf_counter()
        loss = objective(net, images, labels, args.mode, pair_sets, rng)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        torch.nn.utils.clip_grad_value_(params, 10.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        t3 = time.perf_counter()
        c3 = time.process_time()
        if s >= args.warmup:
            cpus.append((c3 - c0) * 1000)
            totals.append((t3 - t0) * 1000)
            forwards.append((t1 - t0) * 1000)
            backwards.append((t2 - t1) * 1000)
            opts.append((t3 - t2) * 1000)
    median = statistics.median(totals)
    return {
        "benchmark": "train_step", "engine": "pytorch " + torch.__version__, "model": args.model,
        "batch": args.batch_size, "size": args.image_size, "mode": args.mode, "pairs": args.pairs, "loss": "contrastive",
        "steps": args.steps, "warmup": args.warmup, "median_step_ms": round(median, 1), "min_step_ms": round(min(totals), 1),
        "images_per_s": round(args.batch_size * 1000.0 / median, 1), "forward_ms": round(statistics.median(forwards), 1),
        "backward_ms": round(statistics.median(backwards), 1), "optimizer_ms": round(statistics.median(opts), 1),
        "median_cpu_ms": round(statistics.median(cpus), 1),
    }


GEMM_SHAPES = [
    ("square512", 512, 512, 512, False, False), ("square1024", 1024, 1024, 1024, False, False), ("square2048", 2048, 2048, 2048, False, False),
    ("r50.conv1.7x7", 64, 16 * 112 * 112, 147, False, False), ("r50.layer1.1x1.64-64", 64, 16 * 56 * 56, 64, False, False),
    ("r50.layer1.3x3.64", 64, 16 * 56 * 56, 576, False, False), ("r50.layer1.1x1.64-256", 256, 16 * 56 * 56, 64, False, False),
    ("r50.layer2.3x3.128", 128, 16 * 28 * 28, 1152, False, False), ("r50.layer2.1x1.512-128", 128, 16 * 28 * 28, 512, False, False),
    ("r50.layer3.3x3.256", 256, 16 * 14 * 14, 2304, False, False), ("r50.layer3.1x1.1024-256", 256, 16 * 14 * 14, 1024, False, False),
    ("r50.layer4.3x3.512", 512, 16 * 7 * 7, 4608, False, False), ("r50.layer4.1x1.2048-512", 512, 16 * 7 * 7, 2048, False, False),
    ("r18.layer1.3x3.fwd", 64, 2048, 576, False, False), ("r18.layer1.3x3.bwd_data", 576, 2048, 64, True, False),
    ("r18.layer1.3x3.bwd_weight", 64, 576, 2048, False, True), ("r18.layer4.3x3.fwd", 512, 400, 4608, False, False),
    ("r18.layer4.3x3.bwd_data", 4608, 400, 512, True, False), ("r18.layer4.3x3.bwd_weight", 512, 4608, 400, False, True),
]


def gemm_bench(args):
    rows = []
    for name, m, n, k, trans_a, trans_b in GEMM_SHAPES:
        a = torch.rand(k, m).t() if trans_a else torch.rand(m, k)
        b = torch.rand(n, k).t() if trans_b else torch.rand(k, n)
        c = torch.empty(m, n)
        times = []
        for r in range(args.warmup + args.steps):
            t0 = time.perf_counter()
            torch.matmul(a, b, out=c)
            if r >= args.warmup:
                times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        rows.append({"shape": name, "m": m, "n": n, "k": k, "op": ("T" if trans_a else "N") + ("T" if trans_b else "N"), "ms": round(med * 1000, 2), "gflops": round(2.0 * m * n * k / med / 1e9, 1)})
    return {"benchmark": "gemm", "engine": "pytorch " + torch.__version__, "results": rows}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="resnet18", choices=["resnet18", "resnet34", "resnet50", "resnet101"])
    p.add_argument("--batch_size", type=int, default=100)
    p.add_argument("--image_size", type=int, default=64)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--mode", default="baseline", choices=["baseline", "input", "feature", "embed"])
    p.add_argument("--pairs", default="posneg,ancneg")
    p.add_argument("--embedding_size", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--gemm", action="store_true")
    p.add_argument("--json", action="store_true", help="accepted for symmetry with metrix bench; output is always JSON")
    args = p.parse_args()
    for s in args.pairs.split(","):
        if s not in ("posneg", "ancneg"):
            p.error(f"--pairs: invalid value '{s}'; accepted: posneg, ancneg")
    torch.set_num_threads(args.threads)
    result = gemm_bench(args) if args.gemm else step_bench(args)
    result["threads"] = torch.get_num_threads()
    result["peak_memory_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
