"""The real images of ../shared/fire/: deterministic train / held-out split, letterboxing, weak labels.

Held out (never trained on, used for the model card's real-image figures):
  - wildfires2025/ (4 smoke plumes with boxes): box-level recall/precision for smoke;
  - deepquestai/ (6 images);
  - about 30 % of cair/ (by a hash of the file name), plus every cair image whose name mentions sky, cloud, fog,
    mist or smoke, plus half of the sunsets chosen by hand (HELD_OUT_SUNSETS; the tests build their no-fire
    videos from held-out images, so those stay unseen). The other sunsets (TRAIN_SUNSETS) are the hardest real
    negatives there are: they are trained on, oversampled.
Training uses the rest of cair/: normal images as negatives, fire images with a weak box from a flame-colour
mask (cair has no boxes; see MODEL_CARD.md).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

FIRE, SMOKE = 0, 1
HELD_OUT_NAMES = re.compile(r"sunset|sky|cloud|fog|mist|smoke", re.IGNORECASE)
TRAIN_SUNSETS = {"autumn-sunset-sky.jpg", "sunset_by_koko_stock-d5ls8sf.jpg", "dusk_756x350.jpg", "skyline-midnight-sun-bodo-norway-2-1_99eca994-01e7-47b1-a370-b551d6f53552.jpg"}
HELD_OUT_SUNSETS = {"Sunset-Sky.jpg", "sunset-palms.jpg", "sunset24.jpg", "sunset_sky_2_by_manichysteriastock-d3bjiec1.jpg"}


@dataclass
class RealImage:
    path: Path
    group: str  # wildfires2025 | cair-fire | cair-normal | deepquestai
    positive: bool  # shows fire or smoke
    boxes: list[tuple[int, float, float, float, float]] = field(default_factory=list)  # in source pixels


def is_held_out(name: str) -> bool:
    if name in TRAIN_SUNSETS:
        return False
    if name in HELD_OUT_SUNSETS or HELD_OUT_NAMES.search(name):
        return True
    return int(hashlib.sha1(name.encode()).hexdigest(), 16) % 10 < 3


def load_rgb(path: Path) -> Image.Image:
    img = Image.open(path)  # sniffs the content: deepquestai neutral_*.jpg are really RGBA PNGs
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(bg, img)
    return img.convert("RGB")


def letterbox(img: Image.Image, size: int) -> tuple[np.ndarray, float, int, int]:
    """Resize keeping aspect ratio and pad with grey 114: returns (array, scale, pad_x, pad_y)."""
    w, h = img.size
    scale = min(size / w, size / h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    resized = img.resize((nw, nh), Image.BILINEAR)
    canvas = Image.new("RGB", (size, size), (114, 114, 114))
    px, py = (size - nw) // 2, (size - nh) // 2
    canvas.paste(resized, (px, py))
    return np.asarray(canvas, np.uint8), scale, px, py


def flame_boxes(img: Image.Image) -> list[tuple[float, float, float, float]]:
    """Weak fire boxes: one per sizeable flame-coloured region (bright, saturated, R > G > B)."""
    a = np.asarray(img, np.float32)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    mask = (r > 180) & (g > 60) & (r > g) & (g > b) & (r - b > 90)
    mask = ndimage.binary_opening(mask, iterations=1)
    mask = ndimage.binary_dilation(mask, iterations=3)
    labels, n = ndimage.label(mask)
    boxes = []
    for i, sl in enumerate(ndimage.find_objects(labels)):
        if sl is None:
            continue
        area = int((labels[sl] == i + 1).sum())
        if area >= 0.003 * mask.size:
            boxes.append((float(sl[1].start), float(sl[0].start), float(sl[1].stop), float(sl[0].stop)))
    return boxes


def discover(root: Path) -> tuple[list[RealImage], list[RealImage]]:
    """Returns (train, held_out)."""
    train: list[RealImage] = []
    held: list[RealImage] = []
    wf = root / "wildfires2025"
    for jpg in sorted(wf.glob("*.jpg")):
        w, h = Image.open(jpg).size
        boxes = []
        for line in (wf / "labels" / (jpg.stem + ".txt")).read_text().splitlines():
            if not line.strip():
                continue
            _, cx, cy, bw, bh = (float(v) for v in line.split())
            boxes.append((SMOKE, (cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h))
        held.append(RealImage(jpg, "wildfires2025", True, boxes))
    for p in sorted((root / "deepquestai").glob("*.jpg")):
        held.append(RealImage(p, "deepquestai", not p.stem.startswith("neutral")))
    for sub, positive in (("fire", True), ("normal", False)):
        for p in sorted((root / "cair" / sub).glob("*.jpg")):
            item = RealImage(p, f"cair-{sub}", positive)
            (held if is_held_out(p.name) else train).append(item)
    return train, held


def training_samples(items: list[RealImage], size: int) -> list[tuple[np.ndarray, list[tuple[int, float, float, float, float]], str]]:
    out = []
    for it in items:
        img = load_rgb(it.path)
        boxes = []
        if it.positive:
            found = flame_boxes(img)
            if not found:
                continue  # no usable weak label: leave the image out rather than teach "no fire here"
            boxes = [(FIRE, *box) for box in found]
        arr, s, px, py = letterbox(img, size)
        out.append((arr, [(c, x1 * s + px, y1 * s + py, x2 * s + px, y2 * s + py) for c, x1, y1, x2, y2 in boxes], it.path.name))
    return out
