"""Builds the embedded emoji dataset: src/Metrix.Vision/Datasets/Emoji/emoji.zip.

Sources (npm): emoji-datasource@16.0.0 (emoji.json), emoji-datasource-google@16.0.0 and
emoji-datasource-twitter@16.0.0 (img/<vendor>/64/*.png); twemoji@14.0.2 only for the text of its graphics
licence (CC-BY-4.0). Classes are the emoji.json entries whose category is not Component and that have both
a Google and a Twitter image, in sort_order; class k (from 0) is a training class when k is even and a test
class when k is odd. A class's images: per vendor the base image and every skin-tone variation. Each image
is composited onto white and stored as an 8-bit RGB PNG. The archive is deterministic (sorted entries,
fixed timestamps).

Run: /usr/bin/python3 tools/emoji/build.py   (needs npm and python3-pil)
"""
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(ROOT, "src", "Metrix.Vision", "Datasets", "Emoji")
PACKAGES = ["emoji-datasource@16.0.0", "emoji-datasource-google@16.0.0", "emoji-datasource-twitter@16.0.0", "twemoji@14.0.2"]
VENDORS = ["google", "twitter"]
TIMESTAMP = (2025, 1, 1, 0, 0, 0)


def fetch(work):
    """npm pack every package into work/ and unpack each into work/<name>/."""
    subprocess.run(["npm", "pack", "--silent", *PACKAGES], cwd=work, check=True, stdout=subprocess.DEVNULL)
    roots = {}
    for spec in PACKAGES:
        name, version = spec.rsplit("@", 1)
        target = os.path.join(work, name)
        with tarfile.open(os.path.join(work, f"{name}-{version}.tgz")) as tar:
            tar.extractall(target)
        roots[name] = os.path.join(target, "package")
    return roots


def on_white(path):
    """The RGBA image composited onto a white background, rounded to nearest, as RGB."""
    image = Image.open(path).convert("RGBA")
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, image).convert("RGB")


def png_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def main():
    work = tempfile.mkdtemp(prefix="metrix-emoji-")
    try:
        roots = fetch(work)
        entries = json.load(open(os.path.join(roots["emoji-datasource"], "emoji.json"), encoding="utf-8"))
        img = {v: os.path.join(roots[f"emoji-datasource-{v}"], "img", v, "64") for v in VENDORS}

        def has(entry, vendor):
            return entry.get(f"has_img_{vendor}") and os.path.exists(os.path.join(img[vendor], entry["image"]))

        classes = [e for e in entries if e["category"] != "Component" and all(has(e, v) for v in VENDORS)]
        classes.sort(key=lambda e: e["sort_order"])

        files, manifest = {}, ["path\tclass\tsplit\tvendor\tunified\tshort_name"]
        for k, entry in enumerate(classes):
            split = "train" if k % 2 == 0 else "test"
            variants = [entry] + [entry["skin_variations"][key] for key in sorted(entry.get("skin_variations") or {})]
            for vendor in VENDORS:
                n = 0
                for variant in variants:
                    if not has(variant, vendor):
                        continue
                    path = f"images/{k:04d}_{vendor}_{n}.png"
                    files[path] = png_bytes(on_white(os.path.join(img[vendor], variant["image"])))
                    manifest.append(f"{path}\t{k}\t{split}\t{vendor}\t{variant['unified']}\t{entry['short_name']}")
                    n += 1

        os.makedirs(OUT_DIR, exist_ok=True)
        target = os.path.join(OUT_DIR, "emoji.zip")
        with zipfile.ZipFile(target + ".tmp", "w", zipfile.ZIP_STORED) as z:
            def add(name, data, method):
                info = zipfile.ZipInfo(name, TIMESTAMP)
                info.compress_type = method
                info.external_attr = 0o644 << 16
                z.writestr(info, data)
            add("manifest.tsv", ("\n".join(manifest) + "\n").encode("utf-8"), zipfile.ZIP_DEFLATED)
            for name in sorted(files):
                add(name, files[name], zipfile.ZIP_STORED)
        os.replace(target + ".tmp", target)

        shutil.copyfile("/usr/share/common-licenses/Apache-2.0", os.path.join(OUT_DIR, "LICENSE-Apache-2.0.txt"))
        shutil.copyfile(os.path.join(roots["twemoji"], "LICENSE-GRAPHICS"), os.path.join(OUT_DIR, "LICENSE-CC-BY-4.0.txt"))
        train = sum(1 for k in range(len(classes)) if k % 2 == 0)
        print(f"{len(classes)} classes ({train} train, {len(classes) - train} test), {len(files)} images, "
              f"{os.path.getsize(target) / 1e6:.1f} MB -> {target}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
