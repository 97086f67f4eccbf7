"""torchvision's side of `metrix bench loader`: images per second of the train pipeline
(RandomResizedCrop + horizontal flip + ToTensor + Normalize) through a DataLoader with N workers,
per epoch, over the same files. Prints one JSON object.

Run: /usr/bin/python3 tools/bench/loader.py --folder DIR [--image_size 224 --batch_size 100 --num_workers 2 --epochs 3]
"""
import argparse
import json
import os
import time

import torch
import torchvision.transforms as T
from PIL import Image


class Files(torch.utils.data.Dataset):
    def __init__(self, folder, size):
        self.files = sorted(os.path.join(r, f) for r, _, fs in os.walk(folder) for f in fs
                            if f.lower().endswith((".png", ".jpg", ".jpeg")))
        self.transform = T.Compose([T.RandomResizedCrop(size), T.RandomHorizontalFlip(), T.ToTensor(),
                                    T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return self.transform(Image.open(self.files[i]).convert("RGB")), 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--folder", required=True)
    p.add_argument("--image_size", type=int, default=224)
    p.add_argument("--batch_size", type=int, default=100)
    p.add_argument("--num_workers", type=int, default=2)
    p.add_argument("--epochs", type=int, default=3)
    a = p.parse_args()
    torch.set_num_threads(1)
    data = Files(a.folder, a.image_size)
    loader = torch.utils.data.DataLoader(data, batch_size=a.batch_size, shuffle=True, drop_last=True,
                                         num_workers=a.num_workers, persistent_workers=a.num_workers > 0)
    rates = []
    for _ in range(a.epochs):
        start, n = time.perf_counter(), 0
        for images, _ in loader:
            n += images.shape[0]
        rates.append(n / (time.perf_counter() - start))
    print(json.dumps({"benchmark": "loader", "engine": "torchvision", "images": len(data), "image_size": a.image_size,
                      "workers": a.num_workers, "batch": a.batch_size, "first_epoch_images_per_s": round(rates[0], 1),
                      "steady_images_per_s": round(sum(rates[1:]) / max(1, len(rates) - 1) if len(rates) > 1 else rates[0], 1)}))


if __name__ == "__main__":
    main()
