"""Writes N synthetic photo-sized images (500×375, smooth colour fields with noise and edges) as JPEG and
PNG into a folder, for the loader benchmark: /usr/bin/python3 tools/bench/make_photos.py DIR [N]"""
import os
import sys

import numpy as np
from PIL import Image


def main():
    folder, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:375, 0:500]
    for i in range(n):
        phase = rng.uniform(0, 6.28, 3)
        img = np.stack([127 + 100 * np.sin(x / (20 + 10 * k) + phase[k]) * np.cos(y / (30 + 7 * k)) for k in range(3)], -1)
        img += rng.normal(0, 12, img.shape)
        img = np.clip(img, 0, 255).astype(np.uint8)
        cls = os.path.join(folder, f"class{i % 50:02d}")
        os.makedirs(cls, exist_ok=True)
        image = Image.fromarray(img, "RGB")
        if i % 2 == 0:
            image.save(os.path.join(cls, f"{i:05d}.jpg"), quality=90)
        else:
            image.save(os.path.join(cls, f"{i:05d}.png"))


if __name__ == "__main__":
    main()
