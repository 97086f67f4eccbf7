#!/usr/bin/env python3
"""PyTorch reference run of the emoji baseline: the same data, network, loss and recipe as
`metrix train --dataset emoji --mode baseline --loss contrastive`, so that our engine's learning curve can
be laid beside PyTorch's.

What it mirrors (with the C# that defines it):

* Data (src/Metrix.Vision/Datasets/Emoji/EmojiDataset.cs): the embedded `emoji.zip` read with zipfile;
  `manifest.tsv` (header, then `path class split vendor unified short_name`) gives the images in order and
  their split (classes alternate train/test); labels numbered from 0 within a split in order of first
  appearance. Images decoded with PIL's `convert("RGB")`, as our PNG decoder does: alpha is dropped, not
  composited (the archive's images are already 8-bit RGB composited on white by tools/emoji/build.py).
  3,766 training images of 953 classes; 3,796 test images of 953 classes.
* Image cache (src/Metrix.Vision/Loading/ImageCache.cs, Trainer.cs): every image is decoded once, its
  shorter side reduced to the eval resize side size*256//224 when it is longer than that (a no-op at 64 px:
  the emoji are 64x64 and the side is 73; at 32 px they become 36x36 before cropping).
* Transforms (src/Metrix.Vision/Transforms/ImageTransforms.cs): train RandomResizedCrop(size, scale
  0.08-1, ratio 3/4-4/3) + RandomHorizontalFlip + ToTensor + Normalize(ImageNet); eval
  Resize(size*256//224) + CenterCrop(size) + ToTensor + Normalize.
* Sampler (src/Metrix.Vision/Loading/BalancedSampler.cs): every batch draws batch_size/images_per_class
  distinct classes and images_per_class images of each with replacement; an epoch has
  max(1, train images // batch_size) batches (37 for 3,766 images and batches of 100), capped by --max_steps.
* Model (src/Metrix.Nn/Models/EmbeddingNet.cs, ResNet.cs): torchvision resnet18(weights=None) up to
  layer4 (torchvision's own init), global average pooling + global max pooling summed, Linear(512, D) with
  Kaiming-normal fan_out weights and zero bias, L2 normalisation x / sqrt(sum x^2 + 1e-12); BatchNorm
  trained (bn_freeze 0).
* Loss (src/Metrix/Losses/ContrastiveLoss.cs, Pairs.cs, docs/method.md#contrastive): every ordered pair (i, j), i != j, of
  the batch; Euclidean distance of the normalised embeddings; positive terms [d - 0]+, negative terms
  [0.5 - d]+; each polarity averaged over its non-zero terms (0 when it has none) and the two means added -
  pytorch-metric-learning's ContrastiveLoss with AvgNonZeroReducer, the release's semantics. Baseline
  mode: the clean loss only.
* Training (src/Metrix/Training/Trainer.cs, src/Metrix.Nn/Optim/Optimizer.cs): AdamW(lr, weight decay
  1e-4, betas 0.9/0.999, eps 1e-8) with two parameter groups, the body and the embedding layer (same lr and
  weight decay); --warm epochs train only the embedding layer (0 here); gradients clipped by value at 10
  before every step; StepLR(lr_decay_step, gamma) stepped after every epoch; evaluation when
  (epoch + 1) % eval_every == 0 and after the last epoch.
* Evaluation (src/Metrix/Evaluation, docs/method.md#evaluation-protocols): the test images embedded in eval mode in batches of 100;
  cosine similarity of the normalised embeddings; each query searches all other test images (itself
  excluded); Recall@K = % of queries with a same-class image among their K nearest.

Output: one JSON line per epoch on stdout, appended to --out when given, with the fields of our
log.jsonl: {"engine": "pytorch", "epoch" (from 0), "loss" (mean over the epoch's steps), "lr" (used during
the epoch), "seconds" (training plus evaluation), "images_per_second" (training), "recall" ({"1", "2",
"4", "8"} in percent, null when the epoch was not evaluated)}. Progress goes to stderr.

Run (Debian's PyTorch: apt-get install -y python3-torch python3-torchvision python3-pil):
    /usr/bin/python3 tools/reference/emoji_torch.py --epochs 10 --lr_decay_step 7 --image_size 64 \\
        --batch_size 100 --images_per_class 4 --embedding_size 128 --lr 1e-3 --seed 1 --threads 2 \\
        --eval_every 5 --out runs/emoji_torch.jsonl
and compare with
    metrix train --mode baseline --seed 1 --threads 2
(whose emoji defaults are the values above). Random draws (initial weights, batches, crops) come from
PyTorch's and NumPy's generators seeded by --seed, so the two runs see the same distributions, not the same
samples.
"""
import os

# OpenBLAS 0.3.21 takes this machine's virtualised Xeon for a "Prescott" and runs its generic kernels;
# name the core before torch loads OpenBLAS (only where AVX-512 exists, else SKYLAKEX kernels would fault).
try:
    with open("/proc/cpuinfo") as _cpuinfo:
        if "avx512f" in _cpuinfo.read():
            os.environ.setdefault("OPENBLAS_CORETYPE", "SKYLAKEX")
except OSError:
    pass

import argparse
import io
import json
import sys
import time
import zipfile

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms as T

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import torch_step  # noqa: E402  (the embedding network shared with the step benchmark)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EMOJI_ZIP = os.path.join(ROOT, "src", "Metrix.Vision", "Datasets", "Emoji", "emoji.zip")
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
KS = (1, 2, 4, 8)
CLIP_VALUE = 10.0
POS_MARGIN, NEG_MARGIN = 0.0, 0.5


def eval_resize(size):
    """ImageTransforms.EvalResize: the eval resize side for a crop of `size` (256 for 224)."""
    return size * 256 // 224


def load_emoji(path=EMOJI_ZIP):
    """EmojiDataset.Load: {"train": (images, labels), "test": (images, labels)} in manifest order."""
    with zipfile.ZipFile(path) as z:
        lines = z.read("manifest.tsv").decode("utf-8").split("\n")
        rows = []
        for line in lines[1:]:
            if not line:
                continue
            f = line.split("\t")
            if len(f) < 6:
                raise ValueError(f"{path}: bad manifest line {line!r}")
            rows.append((f[0], int(f[1]), f[2]))
        splits = {}
        for split in ("train", "test"):
            ids, images, labels = {}, [], []
            for entry, cls, s in rows:
                if s != split:
                    continue
                label = ids.setdefault(cls, len(ids))
                with Image.open(io.BytesIO(z.read(entry))) as im:
                    images.append(im.convert("RGB"))  # alpha dropped, as our PNG decoder
                labels.append(label)
            splits[split] = (images, np.asarray(labels, dtype=np.int64))
    return splits


def cap_shorter_side(images, side):
    """ImageCache with MaxShorterSide: images whose shorter side exceeds `side` are resized to it."""
    resize = T.Resize(side)
    return [resize(im) if min(im.size) > side else im for im in images]


class BalancedSampler:
    """BalancedSampler: classes without replacement per batch, images of each class with replacement."""

    def __init__(self, labels, batch_size, images_per_class, seed):
        if images_per_class < 1 or batch_size % images_per_class != 0:
            raise ValueError(f"--batch_size ({batch_size}) must be a multiple of --images_per_class ({images_per_class})")
        self.by_class = [np.flatnonzero(labels == c) for c in np.unique(labels)]
        self.classes = batch_size // images_per_class
        if len(self.by_class) < self.classes:
            raise ValueError(f"a batch needs {self.classes} distinct classes but the training split has {len(self.by_class)}")
        self.count, self.batch_size, self.per_class, self.seed = len(labels), batch_size, images_per_class, seed

    @property
    def batches_per_epoch(self):
        return max(1, self.count // self.batch_size)

    def epoch(self, epoch):
        rng = np.random.default_rng([self.seed, 2, epoch])
        batches = []
        for _ in range(self.batches_per_epoch):
            chosen = rng.choice(len(self.by_class), self.classes, replace=False)
            batch = [int(self.by_class[c][rng.integers(len(self.by_class[c]))]) for c in chosen for _ in range(self.per_class)]
            batches.append(batch)
        return batches


class EmbeddingNet(torch_step.EmbeddingNet):
    """The benchmark's embedding network (tools/bench/torch_step.py: ResNet body to layer4, avg + max pooling
    summed, Linear with Kaiming-normal fan_out weights and zero bias), L2-normalised with our formula
    x / sqrt(sum x^2 + 1e-12) rather than F.normalize's max(norm, eps)."""

    def embed(self, pooled):
        e = self.embedding(pooled)
        return e / torch.sqrt((e * e).sum(dim=1, keepdim=True) + 1e-12)


def contrastive_loss(embeddings, labels):
    """ContrastiveLoss (release semantics): mean of the non-zero [d - m+]+ plus mean of the non-zero [m- - d]+."""
    n = embeddings.shape[0]
    # Exact Euclidean distances (no matrix-product shortcut); the backward pass gives 0 at d = 0.
    d = torch.cdist(embeddings, embeddings, p=2, compute_mode="donot_use_mm_for_euclid_dist")
    same = labels[:, None] == labels[None, :]
    other = ~torch.eye(n, dtype=torch.bool, device=embeddings.device)
    pos = F.relu(d[same & other] - POS_MARGIN)
    neg = F.relu(NEG_MARGIN - d[~same])

    def avg_non_zero(terms):
        count = int((terms > 0).sum())
        return terms.sum() / count if count > 0 else terms.sum() * 0

    return avg_non_zero(pos) + avg_non_zero(neg)


@torch.no_grad()
def embed(model, images, transform, batch_size=100):
    was_training = model.training
    model.eval()
    out = []
    for b in range(0, len(images), batch_size):
        out.append(model(torch.stack([transform(im) for im in images[b:b + batch_size]])))
    model.train(was_training)
    return torch.cat(out)


def recall_at_k(embeddings, labels, ks=KS):
    """Self protocol: each query against all other images (itself excluded), cosine similarity; % per K."""
    sim = embeddings @ embeddings.T
    sim.fill_diagonal_(float("-inf"))
    k = min(max(ks), len(labels) - 1)
    nearest = sim.topk(k, dim=1).indices.numpy()
    hits = labels[nearest] == labels[:, None]
    return {str(kk): float(hits[:, :kk].any(axis=1).mean() * 100) for kk in ks}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr_decay_step", type=int, default=7)
    p.add_argument("--lr_decay_gamma", type=float, default=0.1)
    p.add_argument("--image_size", type=int, default=64)
    p.add_argument("--batch_size", type=int, default=100)
    p.add_argument("--images_per_class", type=int, default=4)
    p.add_argument("--embedding_size", type=int, default=128)
    p.add_argument("--model", default="resnet18", choices=["resnet18", "resnet34", "resnet50", "resnet101"])
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight_decay", type=float, default=1e-4)
    p.add_argument("--warm", type=int, default=0, help="epochs training only the embedding layer")
    p.add_argument("--bn_freeze", type=int, default=0, choices=[0, 1])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2, help="torch threads (0: PyTorch's default)")
    p.add_argument("--eval_every", type=int, default=5)
    p.add_argument("--max_steps", type=int, default=0, help="cap on steps per epoch (0: none)")
    p.add_argument("--out", default=None, help="JSONL file the epoch lines are appended to")
    a = p.parse_args(argv)
    if a.epochs < 1 or a.eval_every < 1 or a.lr_decay_step < 1 or a.image_size < 8:
        p.error("--epochs, --eval_every and --lr_decay_step must be positive and --image_size at least 8")
    return a


def main(argv=None):
    a = parse_args(argv)
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)

    data = load_emoji()
    side = eval_resize(a.image_size)
    train_images, train_labels = data["train"]
    test_images, test_labels = data["test"]
    train_images = cap_shorter_side(train_images, side)
    test_images = cap_shorter_side(test_images, side)
    print(f"emoji: {len(train_images)} training images of {len(np.unique(train_labels))} classes; evaluating "
          f"{len(test_images)} images of {len(np.unique(test_labels))} classes (Recall@{'/'.join(map(str, KS))}); "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads", file=sys.stderr, flush=True)

    normalize = [T.ToTensor(), T.Normalize(MEAN, STD)]
    train_tf = T.Compose([T.RandomResizedCrop(a.image_size), T.RandomHorizontalFlip()] + normalize)
    eval_tf = T.Compose([T.Resize(side), T.CenterCrop(a.image_size)] + normalize)

    model = EmbeddingNet(a.model, a.embedding_size)
    if a.bn_freeze:
        model.freeze_bn()
    body = [p for p in model.body.parameters() if p.requires_grad]
    head = list(model.embedding.parameters())
    optimizer = torch.optim.AdamW([{"params": body}, {"params": head}], lr=a.lr, weight_decay=a.weight_decay)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=a.lr_decay_step, gamma=a.lr_decay_gamma)
    trainable = body + head
    sampler = BalancedSampler(train_labels, a.batch_size, a.images_per_class, a.seed)

    live = sys.stderr.isatty()
    for epoch in range(a.epochs):
        for p in body:
            p.requires_grad_(epoch >= a.warm)
        model.train()
        if a.bn_freeze:
            model.freeze_bn()
        lr = optimizer.param_groups[0]["lr"]
        batches = sampler.epoch(epoch)
        if a.max_steps > 0:
            batches = batches[:a.max_steps]
        start = time.perf_counter()
        total, images = 0.0, 0
        for step, batch in enumerate(batches):
            x = torch.stack([train_tf(train_images[i]) for i in batch])
            y = torch.from_numpy(train_labels[batch])
            loss = contrastive_loss(model(x), y)
            value = loss.item()
            if not np.isfinite(value):
                raise SystemExit(f"error: the loss is {value} at epoch {epoch}, step {step}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_value_(trainable, CLIP_VALUE)
            optimizer.step()
            total += value
            images += len(batch)
            if live or step + 1 == len(batches):
                print(f"{chr(13) if live else ''}epoch {epoch} step {step + 1}/{len(batches)} loss {total / (step + 1):.4f}",
                      end="" if live and step + 1 < len(batches) else "\n", file=sys.stderr, flush=True)
        train_seconds = time.perf_counter() - start
        scheduler.step()

        recall = None
        if (epoch + 1) % a.eval_every == 0 or epoch == a.epochs - 1:
            recall = recall_at_k(embed(model, test_images, eval_tf), test_labels)
        record = {"engine": "pytorch", "epoch": epoch, "loss": total / max(1, len(batches)), "lr": lr,
                  "seconds": time.perf_counter() - start, "images_per_second": images / max(1e-9, train_seconds),
                  "recall": recall}
        line = json.dumps(record)
        print(line, flush=True)
        if a.out:
            with open(a.out, "a") as f:
                f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
