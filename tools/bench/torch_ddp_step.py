#!/usr/bin/env python3
"""PyTorch's data-parallel step beside `mpiexec -n N metrix bench`: DistributedDataParallel over gloo.

N processes on this machine (127.0.0.1), each with --threads compute threads, each running the step of
torch_step.py (same network, frozen BatchNorm, contrastive loss, Metrix mixing, clipping by value 10, AdamW)
on its 1/N share of the global --batch_size, the network wrapped in DistributedDataParallel (gradients
averaged over the ranks in 25 MB buckets during the backward pass, its default). As PyTorch users run DDP,
each rank's loss is computed on its own share (the pair losses and mixing see only the rank's rows;
`metrix` gathers the embeddings and computes the global batch's loss), which costs less than the exact
objective. Prints rank 0's figures as one JSON object, in the fields of `metrix bench --json`.

Usage: /usr/bin/python3 tools/bench/torch_ddp_step.py --ranks 2 --threads 1 --model resnet18 \
           --batch_size 100 --image_size 64 --steps 10 --warmup 2 --mode baseline
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_step  # noqa: E402  (sets OPENBLAS_CORETYPE before torch loads)
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402


def rank_main(rank, args, port, results):
    torch.set_num_threads(args.threads)
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=args.ranks)
    torch.manual_seed(args.seed)  # the same initial weights on every rank
    rng = np.random.default_rng(args.seed)
    net = torch_step.EmbeddingNet(args.model, args.embedding_size)
    net.train()
    net.freeze_bn()
    ddp = torch.nn.parallel.DistributedDataParallel(Features(net), broadcast_buffers=False)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([
        {"params": [p for p in net.body.parameters() if p.requires_grad]},
        {"params": list(net.embedding.parameters())},
    ], lr=1e-4, weight_decay=1e-4)
    share = args.batch_size // args.ranks
    images = torch.randn(share, 3, args.image_size, args.image_size)
    labels = torch.arange(rank * share, (rank + 1) * share) // torch_step.IMAGES_PER_CLASS
    pair_sets = args.pairs.split(",")
    totals, cpus = [], []
    for s in range(args.warmup + args.steps):
        dist.barrier()
        c0 = time.process_time()
        t0 = time.perf_counter()
        # DDP wraps every parameter of the network; its forward is the body (one call per step), the head runs after it
        # and its gradients reach DDP's hooks in the same backward pass.
        loss = torch_step.objective(Wrapped(ddp, net), images, labels, args.mode, pair_sets, rng)
        loss.backward()
        torch.nn.utils.clip_grad_value_(params, 10.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        t1 = time.perf_counter()
        c1 = time.process_time()
        if s >= args.warmup:
            totals.append((t1 - t0) * 1000)
            cpus.append((c1 - c0) * 1000)
    if rank == 0:
        median = statistics.median(totals)
        results.put({
            "benchmark": "train_step", "engine": "pytorch " + torch.__version__ + " DDP gloo", "model": args.model,
            "batch": args.batch_size, "size": args.image_size, "mode": args.mode, "loss": "contrastive",
            "ranks": args.ranks, "threads": args.threads, "steps": args.steps, "warmup": args.warmup,
            "median_step_ms": round(median, 1), "min_step_ms": round(min(totals), 1),
            "images_per_s": round(args.batch_size * 1000.0 / median, 1), "median_cpu_ms": round(statistics.median(cpus), 1),
        })
    dist.destroy_process_group()


class Features(torch.nn.Module):
    """The whole network as a module whose forward is the body: what DDP wraps."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net.features(x)


class Wrapped:
    """The network's parts as torch_step.objective calls them, the body run through the DDP wrapper."""

    def __init__(self, ddp, net):
        self.ddp, self.net = ddp, net

    def features(self, x):
        return self.ddp(x)

    def pool(self, f):
        return self.net.pool(f)

    def embed(self, pooled):
        return self.net.embed(pooled)

    def __call__(self, x):
        return self.embed(self.pool(self.features(x)))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--model", default="resnet18")
    p.add_argument("--batch_size", type=int, default=100)
    p.add_argument("--image_size", type=int, default=64)
    p.add_argument("--embedding_size", type=int, default=128)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--mode", default="baseline", choices=["baseline", "feature"])
    p.add_argument("--pairs", default="posneg,ancneg")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--port", type=int, default=29517)
    args = p.parse_args()
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=rank_main, args=(r, args, args.port, results)) for r in range(args.ranks)]
    for proc in procs:
        proc.start()
    result = results.get(timeout=3600)
    for proc in procs:
        proc.join(timeout=60)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
