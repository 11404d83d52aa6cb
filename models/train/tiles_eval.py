"""Evaluate a detector through the edge's tiled pipeline on the real sets of the tile split.

    /usr/bin/python3 models/train/tiles_eval.py models/lookout-fire-smoke-256.onnx [--part eval] [--fire 0.4 --smoke 0.4]

Pipeline (mirrors the edge): each image is scaled so its width is <= 1280 (aspect kept, never upscaled): the
analysis image. Along each axis of length L with T = 256: L <= T -> one tile, the image padded centred with grey
114; else n = ceil((L - T) / (T * 0.75)) + 1 tiles at offsets round(i * (L - T) / (n - 1)). Every tile is run at
1:1 pixels, plus one whole-frame pass (analysis image letterboxed to 256, grey 114, centred; left out when the
image is a single tile). Per pass: each anchor's best class kept if its score reaches that class's threshold,
per-class NMS at IoU 0.45; boxes mapped back to analysis pixels (clipped to the image), then merged per
class greedily by score: a box joins a kept box when IoU > 0.45 or intersection / smaller area > 0.5, and the kept
box becomes the union of both (score = max).

Then the tracker's static filter: boxes larger than 0.6 of the frame are dropped (edge.fire.confirmation.maxBoxArea).

Figures per set, counted as `lookout eval fire` counts them: box recall per class at IoU >= 0.3 (a labelled box is
found when a detection of its class overlaps it that much; one detection may find several), image-level recall
(positive images with any detection), false-alarm rate (images without fire/smoke with any detection).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from real import FIRE, SMOKE, load_rgb  # noqa: E402
from tiles_split import SHARED, load_split  # noqa: E402
from train import predict  # noqa: E402

T = 256
MAX_W = 1280
OVERLAP = 0.25
GREY = 114
CLASSES = ["fire", "smoke"]
POSITIVE_SETS = ["et760", "et760-extra", "aiformankind-web-positive"]
NEGATIVE_SETS = ["aiformankind-web-negative", "cair-normal"]


def jround(x: float) -> int:
    """JavaScript's Math.round (halves up), as the edge rounds."""
    return int(math.floor(x + 0.5))


@dataclass
class Item:
    set: str
    name: str
    path: Path
    boxes: list = field(default_factory=list)  # (cls, x1, y1, x2, y2) in analysis pixels
    positive: bool = False  # has boxes (or is a positive image)
    weak: bool = False  # cair fire: weak fire boxes, smoke unlabelled


def analysis_image(path: Path) -> tuple[np.ndarray, float]:
    img = load_rgb(path)
    w, h = img.size
    s = min(1.0, MAX_W / w)
    if s < 1.0:
        img = img.resize((jround(w * s), jround(h * s)), Image.BILINEAR)
    return np.asarray(img, np.uint8), s


def read_yolo(label: Path, w: int, h: int, mapping: dict[int, int]) -> list:
    out = []
    if not label.exists():
        return out
    for line in label.read_text().splitlines():
        if not line.strip():
            continue
        c, cx, cy, bw, bh = line.split()
        cx, cy, bw, bh = float(cx), float(cy), float(bw), float(bh)
        out.append((mapping[int(c)], (cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h))
    return out


# label class ids of each folder -> ours (0 fire, 1 smoke)
MAPPINGS = {"et760": {0: SMOKE}, "et760-extra": {0: SMOKE, 1: FIRE}, "aiformankind-web-positive": {0: SMOKE, 1: FIRE}, "wildfires2025": {0: SMOKE}}
TOWER_NEGATIVES = {f"testing_image_{i:05d}.jpg" for i in range(41, 49)} | {f"training_image_{i:05d}.jpg" for i in (47, 50, 51, 52, 53, 54, 55)}


def folder_of(set_name: str) -> Path:
    if set_name.startswith("cair-"):
        return SHARED / "fire" / "cair" / set_name[5:]
    if set_name == "wildfires2025":
        return SHARED / "fire" / "wildfires2025"
    return SHARED / "fire-real" / set_name / "images"


def items(set_name: str, part: str, split: dict | None = None) -> list[Item]:
    """Items of one set and part (train / val / eval; wildfires2025: all). Boxes are in analysis pixels, read from
    the label file with the image's own size then scaled (YOLO labels are relative)."""
    split = split or load_split()
    folder = folder_of(set_name)
    names = sorted(p.name for p in folder.glob("*.jpg")) if set_name == "wildfires2025" else split["sets"][set_name][part]
    out = []
    for n in names:
        path = folder / n
        it = Item(set_name, n, path)
        if set_name in MAPPINGS:
            w, h = Image.open(path).size
            s = min(1.0, MAX_W / w)
            labels = (folder.parent / "labels" if set_name != "wildfires2025" else folder / "labels") / (Path(n).stem + ".txt")
            it.boxes = [(c, x1 * s, y1 * s, x2 * s, y2 * s) for c, x1, y1, x2, y2 in read_yolo(labels, w, h, MAPPINGS[set_name])]
            it.positive = bool(it.boxes)
        elif set_name == "cair-fire":
            it.positive, it.weak = True, True
        out.append(it)
    return out


def axis_tiles(length: int) -> list[int]:
    """Tile offsets along one axis; [-pad] (negative) when the axis is shorter than a tile (padded centred)."""
    if length <= T:
        return [-((T - length) // 2)]
    n = math.ceil((length - T) / (T * (1 - OVERLAP))) + 1
    return [jround(i * (length - T) / (n - 1)) for i in range(n)]


def cut(img: np.ndarray, ox: int, oy: int) -> np.ndarray:
    """The 256x256 tile at (ox, oy) (negative = centred padding), grey outside the image."""
    h, w = img.shape[:2]
    tile = np.full((T, T, 3), GREY, np.uint8)
    sx, sy = max(0, ox), max(0, oy)
    ex, ey = min(w, ox + T), min(h, oy + T)
    tile[sy - oy : ey - oy, sx - ox : ex - ox] = img[sy:ey, sx:ex]
    return tile


def letterbox_arr(img: np.ndarray, size: int = T) -> tuple[np.ndarray, float, float, int, int]:
    """Letterbox with the edge's geometry (tensor.ts letterboxGeometry). Returns (canvas, scale x, scale y, pad x,
    pad y)."""
    h, w = img.shape[:2]
    nw = min(size, jround(size * w / h))
    nh = min(size, jround(nw * h / w))
    nw, nh = max(1, nw), max(1, nh)
    canvas = np.full((size, size, 3), GREY, np.uint8)
    px, py = (size - nw) // 2, (size - nh) // 2
    canvas[py : py + nh, px : px + nw] = np.asarray(Image.fromarray(img).resize((nw, nh), Image.BILINEAR))
    return canvas, nw / w, nh / h, px, py


def passes(img: np.ndarray) -> list[tuple[np.ndarray, float, float, float, float]]:
    """(input 256x256, scale x, scale y, offset x, offset y): analysis = input / scale + offset. The whole-frame
    pass is left out when the frame is one tile already (as the edge does)."""
    h, w = img.shape[:2]
    out = [(cut(img, ox, oy), 1.0, 1.0, float(ox), float(oy)) for oy in axis_tiles(h) for ox in axis_tiles(w)]
    if w > T or h > T:
        lb, sx, sy, px, py = letterbox_arr(img)
        out.insert(0, (lb, sx, sy, -px / sx, -py / sy))
    return out


def raw_detections(model, arrs: list[np.ndarray], conf: float = 0.05, iou: float = 0.45, batch: int = 32):
    """Per input: array [K, 6] (cls, score, x1, y1, x2, y2) after per-class NMS, scores >= conf. train.predict
    decodes as the edge does (tensor.ts decodeOutput): each anchor's best class, then per-class NMS."""
    return [np.array(dets, np.float32).reshape(-1, 6) for dets in predict(model, arrs, conf, iou, batch)]


def image_raw(model, img: np.ndarray, conf: float = 0.05) -> np.ndarray:
    """All passes' detections of one analysis image, mapped to analysis pixels and clipped: [K, 6]."""
    h, w = img.shape[:2]
    ps = passes(img)
    dets = raw_detections(model, [p[0] for p in ps], conf)
    out = []
    for (_, sx, sy, ox, oy), d in zip(ps, dets):
        if len(d) == 0:
            continue
        d = d.copy()
        d[:, [2, 4]] = np.clip(d[:, [2, 4]] / sx + ox, 0, w)
        d[:, [3, 5]] = np.clip(d[:, [3, 5]] / sy + oy, 0, h)
        d = d[(d[:, 4] - d[:, 2] >= 1) & (d[:, 5] - d[:, 3] >= 1)]
        out.append(d)
    return np.concatenate(out) if out else np.zeros((0, 6), np.float32)


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / ua if ua > 0 else 0.0


def merge(dets: np.ndarray, thresholds: tuple[float, float]) -> list[tuple]:
    """Per-class thresholds, then the edge's merge. Returns [(cls, score, x1, y1, x2, y2)]."""
    out = []
    for c in range(len(CLASSES)):
        d = dets[(dets[:, 0] == c) & (dets[:, 1] >= thresholds[c])]
        d = d[np.argsort(-d[:, 1], kind="stable")]
        kept: list[list[float]] = []
        for row in d:
            b = [float(v) for v in row[2:]]
            for k in kept:
                kb = k[2:]
                ix = max(0.0, min(b[2], kb[2]) - max(b[0], kb[0]))
                iy = max(0.0, min(b[3], kb[3]) - max(b[1], kb[1]))
                inter = ix * iy
                aa, ab = (b[2] - b[0]) * (b[3] - b[1]), (kb[2] - kb[0]) * (kb[3] - kb[1])
                union = aa + ab - inter
                if (union > 0 and inter / union > 0.45) or inter / max(1e-9, min(aa, ab)) > 0.5:
                    k[1] = max(k[1], float(row[1]))
                    k[2:] = [min(b[0], kb[0]), min(b[1], kb[1]), max(b[2], kb[2]), max(b[3], kb[3])]
                    break
            else:
                kept.append([c, float(row[1]), *b])
        out += [tuple(k) for k in kept]
    return out


def match(dets: list[tuple], gts: list[tuple], cls: int, thr: float = 0.3) -> int:
    """Ground-truth boxes of `cls` that a detection of the same class overlaps at IoU >= thr (one detection may
    find several boxes), as `lookout eval fire` counts them."""
    ds = [d[2:] for d in dets if d[0] == cls]
    return sum(1 for b in gts if b[0] == cls and any(iou(d, b[1:]) >= thr for d in ds))


MAX_BOX_AREA = 0.6  # the tracker's static filter (edge.fire.confirmation.maxBoxArea): larger boxes are dropped


def final(raw_entry, thresholds: tuple[float, float]) -> list[tuple]:
    """What the edge keeps of one image: merged detections, then boxes larger than MAX_BOX_AREA of the frame
    dropped."""
    dets, w, h = raw_entry
    return [d for d in merge(dets, thresholds) if (d[4] - d[2]) * (d[5] - d[3]) <= MAX_BOX_AREA * w * h]


def collect(model, sets: dict[str, list[Item]], log=print) -> dict[str, list[np.ndarray]]:
    """Raw detections (low threshold) of every image of every set, to evaluate many thresholds."""
    raw = {}
    for name, its in sets.items():
        t0 = time.time()
        raw[name] = []
        for it in its:
            img = analysis_image(it.path)[0]
            raw[name].append((image_raw(model, img), img.shape[1], img.shape[0]))
        log(f"  {name}: {len(its)} images, {time.time() - t0:.0f} s")
    return raw


def figures(sets: dict[str, list[Item]], raw: dict[str, list[np.ndarray]], thresholds: tuple[float, float]) -> dict:
    res = {}
    for name, its in sets.items():
        dets = [final(r, thresholds) for r in raw[name]]
        r: dict = {"images": len(its)}
        if any(it.positive for it in its) and not all(it.weak for it in its):
            for c, cname in enumerate(CLASSES):
                n = sum(1 for it in its for b in it.boxes if b[0] == c)
                if n:
                    found = sum(match(d, it.boxes, c) for d, it in zip(dets, its))
                    r[f"{cname}_boxes"] = n
                    r[f"{cname}_box_recall_iou0.3"] = round(found / n, 3)
                    r[f"{cname}_boxes_found"] = found
            pos = [d for d, it in zip(dets, its) if it.positive]
            r["positive_images"] = len(pos)
            r["image_recall"] = round(sum(1 for d in pos if d) / max(1, len(pos)), 3)
            neg = [d for d, it in zip(dets, its) if not it.positive]
            if neg:
                r["negative_images"] = len(neg)
                r["negative_images_flagged"] = sum(1 for d in neg if d)
        elif all(it.weak for it in its):
            r["image_recall"] = round(sum(1 for d in dets if d) / max(1, len(its)), 3)
            r["flagged"] = sum(1 for d in dets if d)
        else:
            flagged = [it.name for d, it in zip(dets, its) if d]
            r["flagged"] = len(flagged)
            r["false_alarm_rate"] = round(len(flagged) / max(1, len(its)), 3)
            r["flagged_names"] = flagged
        res[name] = r
    return res


def standard_sets(part: str, split: dict | None = None, with_wildfires: bool = True) -> dict[str, list[Item]]:
    split = split or load_split()
    sets = {f"{s}:{part}": items(s, part, split) for s in POSITIVE_SETS + NEGATIVE_SETS + ["cair-fire"]}
    # et760-extra's tower hard negatives are reported on their own as well (they are inside et760-extra's figures)
    if with_wildfires:
        sets["wildfires2025"] = items("wildfires2025", "all", split)
    return sets


def load_model(path: str):
    from model import Detector

    if path.endswith(".onnx"):
        from from_onnx import load_from_onnx

        return load_from_onnx(path)
    m = Detector(len(CLASSES))
    m.load_state_dict(torch.load(path))
    return m


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model", help=".onnx (exported by train.py / tiles_train.py) or .pt state dict")
    ap.add_argument("--part", default="eval", choices=["train", "val", "eval"])
    ap.add_argument("--fire", type=float, default=None, help="fire threshold (default: the metadata's)")
    ap.add_argument("--smoke", type=float, default=None)
    ap.add_argument("--out", default=None, help="write the figures as JSON here")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    meta = Path(args.model).with_suffix(".json")
    th = {"fire": 0.4, "smoke": 0.4}
    if meta.exists():
        t = json.loads(meta.read_text()).get("thresholds", {})
        th = {c: t.get("classes", {}).get(c, t.get("confidence", 0.4)) for c in CLASSES}
    if args.fire is not None:
        th["fire"] = args.fire
    if args.smoke is not None:
        th["smoke"] = args.smoke
    model = load_model(args.model)
    sets = standard_sets(args.part)
    raw = collect(model, sets)
    res = {"model": args.model, "part": args.part, "thresholds": th, "sets": figures(sets, raw, (th["fire"], th["smoke"]))}
    print(json.dumps(res, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
