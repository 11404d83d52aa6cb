"""Fine-tune Lookout's default detector for the edge's tiled inference, choose per-class thresholds on the
validation part, evaluate on the evaluation part, export ONNX + metadata.

    nice -n 10 /usr/bin/python3 models/train/tiles_train.py --minutes 65 --out /tmp/lookout-tiles/final

Starts from the committed model (models/lookout-fire-smoke-256.onnx, via from_onnx.py) and trains on 256x256
samples built from the TRAIN part of models/train/tiles-split.json (file names; images in ../shared):
  - real tiles at 1:1 pixels of the analysis image (width <= 1280, never upscaled) around the hand-drawn smoke and
    fire boxes (jittered; boxes clipped to the crop, dropped when < 30 % of their area is left; a crop where such a
    dropped box still covers > 10 % of the tile does not learn the smoke class), random negative tiles from the
    negative sets and from the box-free parts of positive images;
  - whole images letterboxed to 256 (the edge's whole-frame pass), sometimes zoomed into a random part first;
  - composites: synth.py's distant plume (Scene.paint_distant_smoke) painted 10-60 px wide, faint, rooted on the
    skyline found in the tile, onto tiles of the train negatives (cair/normal, aiformankind-web-negative and
    et760-extra's tower frames); and hard negatives: synth.py's sun, glare, clouds, fog, orange objects on real tiles;
  - synth.py scenes: the old close scenes (large plumes, flames) and tower views;
  - cair/fire train images with weak fire boxes (smoke unlabelled: its loss is masked), as train.py does.
Checkpoints are exported every --checkpoint-minutes to OUT/checkpoints (ONNX + .pt; --score-checkpoints also
scores them on the validation part). --minutes 0 --init X.pt only chooses thresholds and evaluates X. Thresholds: the pair (fire, smoke) with the most smoke boxes found on the validation positives while at most
--max-false-alarm of the validation negatives raise any detection. Writes OUT/lookout-fire-smoke-256.onnx, .json and
OUT/tiles-eval.json (validation grid, evaluation figures).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from model import Detector, detection_loss, ema_of, ema_update  # noqa: E402
from real import FIRE, SMOKE, flame_boxes, load_rgb  # noqa: E402
from synth import Scene, _noise_field, render_close_scene, render_tower_scene  # noqa: E402
from tiles_eval import CLASSES, GREY, T, TOWER_NEGATIVES, analysis_image, collect, figures, items, letterbox_arr, standard_sets  # noqa: E402
from tiles_split import load_split  # noqa: E402

REPO = HERE.parents[1]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- real images ---------------------------------------------------------------------------------------------
class Real:
    def __init__(self, it, img: np.ndarray):
        self.it, self.img = it, img
        self.boxes = it.boxes


def clip_boxes(boxes, x0: int, y0: int, w: int, h: int):
    """Boxes in a crop: (kept boxes in crop pixels, smoke_ambiguous). A box keeps >= 30 % of its area or is
    dropped; when a dropped box still covers > 10 % of the crop the crop must not teach 'no smoke/fire here'."""
    kept, ambiguous = [], False
    for c, x1, y1, x2, y2 in boxes:
        cx1, cy1, cx2, cy2 = max(x1, x0), max(y1, y0), min(x2, x0 + w), min(y2, y0 + h)
        if cx2 <= cx1 or cy2 <= cy1:
            continue
        inter = (cx2 - cx1) * (cy2 - cy1)
        area = max(1e-6, (x2 - x1) * (y2 - y1))
        if inter / area >= 0.3 and (cx2 - cx1) >= 2 and (cy2 - cy1) >= 2:
            kept.append((c, cx1 - x0, cy1 - y0, cx2 - x0, cy2 - y0))
        elif inter > 0.1 * w * h:
            ambiguous = True
    return kept, ambiguous


def crop(img: np.ndarray, x0: int, y0: int) -> tuple[np.ndarray, int, int]:
    """256 crop at (x0, y0); an axis shorter than the tile is padded centred (returns the pad offsets)."""
    h, w = img.shape[:2]
    tile = np.full((T, T, 3), GREY, np.uint8)
    px = (T - w) // 2 if w < T else 0
    py = (T - h) // 2 if h < T else 0
    x0 = 0 if w < T else x0
    y0 = 0 if h < T else y0
    part = img[y0 : y0 + T, x0 : x0 + T]
    tile[py : py + part.shape[0], px : px + part.shape[1]] = part
    return tile, x0 - px, y0 - py


def pos_crop(r: Real, rng: random.Random, j: int):
    h, w = r.img.shape[:2]
    c, x1, y1, x2, y2 = r.boxes[j]

    def pick(lo, hi, length):
        if length <= T:
            return 0
        a, b = int(max(0, min(lo, length - T))), int(max(0, min(hi, length - T)))
        if a > b:
            a, b = b, a
        return rng.randint(a, b)

    bw, bh = x2 - x1, y2 - y1
    # the box inside the tile when it fits (jittered), else a tile over part of it
    ox = pick(x2 - T + 4, x1 - 4, w) if bw <= T - 8 else pick(x1 - T * 0.3, x2 - T * 0.7, w)
    oy = pick(y2 - T + 4, y1 - 4, h) if bh <= T - 8 else pick(y1 - T * 0.3, y2 - T * 0.7, h)
    tile, ox, oy = crop(r.img, ox, oy)
    boxes, amb = clip_boxes(r.boxes, ox, oy, T, T)
    return tile, boxes, amb


def neg_crop(r: Real, rng: random.Random, tries: int = 8):
    """A random tile; on positive images one that touches no box (None if none found)."""
    h, w = r.img.shape[:2]
    for _ in range(tries):
        ox, oy = rng.randint(0, max(0, w - T)), rng.randint(0, max(0, h - T))
        tile, ox2, oy2 = crop(r.img, ox, oy)
        if not r.boxes:
            return tile
        if all(x2 < ox2 - 8 or x1 > ox2 + T + 8 or y2 < oy2 - 8 or y1 > oy2 + T + 8 for _, x1, y1, x2, y2 in r.boxes):
            return tile
    return None


def whole(r: Real, rng: random.Random, zoom: bool):
    img, boxes = r.img, r.boxes
    amb = False
    if zoom and rng.random() < 0.5:
        h, w = img.shape[:2]
        cw, ch = int(w * rng.uniform(0.55, 1.0)), int(h * rng.uniform(0.55, 1.0))
        x0, y0 = rng.randint(0, w - cw), rng.randint(0, h - ch)
        boxes, amb = clip_boxes(boxes, x0, y0, cw, ch)
        img = img[y0 : y0 + ch, x0 : x0 + cw]
    lb, sx, sy, px, py = letterbox_arr(np.ascontiguousarray(img))
    return lb, [(c, x1 * sx + px, y1 * sy + py, x2 * sx + px, y2 * sy + py) for c, x1, y1, x2, y2 in boxes], amb


# ---- composites ----------------------------------------------------------------------------------------------
def skyline(tile: np.ndarray) -> tuple[np.ndarray, bool]:
    """Per column, the row where a brighter region above meets a darker one below (sky over land), smoothed."""
    g = tile.astype(np.float32).mean(2) / 255.0
    k = np.ones(9, np.float32) / 9
    g = np.apply_along_axis(lambda r: np.convolve(r, k, mode="same"), 1, g)
    c = np.cumsum(np.vstack([np.zeros((1, g.shape[1]), np.float32), g]), 0)
    d = 8
    ys = np.arange(d, g.shape[0] - d)
    above = (c[ys] - c[ys - d]) / d
    below = (c[ys + d] - c[ys]) / d
    score = above - below
    line = ys[score.argmax(0)].astype(np.float32)
    strength = float(np.median(score.max(0)))
    from scipy.ndimage import median_filter

    return median_filter(line, size=15, mode="nearest"), strength > 0.06


def composite(bg: np.ndarray, rng: np.random.Generator):
    """Paint 1-2 faint distant plumes (10-60 px wide) onto a real 256 tile. Returns (tile, boxes)."""
    s = Scene(rng, T, T)
    s.sky = "day"
    s.img = bg.astype(np.float32) / 255.0
    line, found = skyline(bg)
    boxes = []
    for _ in range(1 if rng.random() < 0.8 else 2):
        width = float(np.exp(rng.uniform(np.log(10), np.log(60))))
        x0 = float(rng.uniform(0.1, 0.9) * T)
        if found:
            y0 = float(line[int(x0)]) + float(rng.uniform(0, 4))
            occluder = line + 0.0
        else:
            y0 = float(rng.uniform(0.6, 0.95) * T)
            occluder = np.full(T, y0, np.float32)
        s.horizon = int(np.clip(y0, 4, T - 1))
        before = s.img.copy()
        b = s.paint_distant_smoke(x0, y0, width, occluder)
        if b:
            x1, y1, x2, y2 = (int(round(v)) for v in b)
            diff = np.abs(s.img[y1:y2, x1:x2] - before[y1:y2, x1:x2]).mean(2)
            if diff.size and np.percentile(diff, 95) >= 0.04:  # faint, but visible: no labels on invisible plumes
                boxes.append((SMOKE, *b))
            else:
                s.img = before
    return finish(s.img, rng), boxes


def hard_negative(bg: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sun, glare, cloud banks, fog, haze, orange objects (synth.py) painted onto a real tile; no boxes."""
    s = Scene(rng, T, T)
    s.img = bg.astype(np.float32) / 255.0
    line, found = skyline(bg)
    s.horizon = int(np.median(line)) if found else int(rng.uniform(0.3, 0.8) * T)
    s.treetop = line if found else np.full(T, s.horizon, np.float32)
    s.sky = str(rng.choice(["day", "overcast", "haze", "sunset", "tropical"]))
    for _ in range(int(rng.integers(1, 3))):
        k = rng.random()
        if k < 0.25:
            s.paint_sun(glare=rng.random() < 0.6)
        elif k < 0.5:
            s.paint_clouds(int(rng.integers(1, 5)), low=rng.random() < 0.5)
        elif k < 0.65:
            s.paint_small_clouds(int(rng.integers(1, 4)), s.treetop)
        elif k < 0.8:
            s.paint_fog(rng.uniform(0.2, 0.7))
        elif k < 0.9:
            s.paint_haze(rng.uniform(0.1, 0.4))
        else:
            s.paint_orange_objects(int(rng.integers(1, 6)))
    return finish(s.img, rng)


def finish(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    img = img + rng.normal(0, rng.uniform(0.0, 0.02), img.shape).astype(np.float32)
    out = np.clip(img * 255, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        out = jpeg(out, int(rng.integers(40, 92)))
    return out


def jpeg(arr: np.ndarray, q: int) -> np.ndarray:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=q)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), np.uint8)


# ---- data ----------------------------------------------------------------------------------------------------
class Data:
    # share of each sample kind in a batch
    MIX = {
        "pos_tile": 0.27, "pos_whole": 0.14, "composite": 0.18, "neg_tile": 0.12, "pos_bg_tile": 0.04, "neg_whole": 0.06,
        "hard_negative": 0.05, "synth_close": 0.07, "synth_tower": 0.03, "cair_fire": 0.04,
    }

    def __init__(self, split: dict, cache: Path, seed: int, n_composite: int, n_hard: int, n_close: int, n_tower: int):
        self.rng = random.Random(seed)
        t0 = time.time()
        self.pos: list[Real] = []
        for s in ("et760", "et760-extra", "aiformankind-web-positive"):
            for it in items(s, "train", split):
                r = Real(it, analysis_image(it.path)[0])
                (self.pos if it.boxes else []).append(r)
        self.neg: list[Real] = []
        self.tower_neg: list[Real] = []
        for it in items("et760-extra", "train", split):
            if not it.boxes and it.name in TOWER_NEGATIVES:
                self.tower_neg.append(Real(it, analysis_image(it.path)[0]))
        for s in ("aiformankind-web-negative", "cair-normal"):
            for it in items(s, "train", split):
                self.neg.append(Real(it, analysis_image(it.path)[0]))
        self.neg_all = self.neg + self.tower_neg * 6  # the tower frames are the closest to the product's view
        self.outdoor = [r for r in self.neg if r.it.set == "aiformankind-web-negative"] + self.tower_neg * 3
        self.fire: list[tuple[np.ndarray, list]] = []
        for it in items("cair-fire", "train", split):
            img = load_rgb(it.path)
            fb = flame_boxes(img)
            if fb:
                arr = np.asarray(img, np.uint8)
                lb, sx, sy, px, py = letterbox_arr(arr)
                self.fire.append((lb, [(FIRE, x1 * sx + px, y1 * sy + py, x2 * sx + px, y2 * sy + py) for x1, y1, x2, y2 in fb]))
        # tiles around small (distant) boxes twice as often: they are what the tiles are for
        self.pos_boxes = [(i, j) for i, r in enumerate(self.pos) for j, b in enumerate(r.boxes) for _ in range(2 if b[3] - b[1] <= T and b[4] - b[2] <= T else 1)]
        log(f"real train: {len(self.pos)} positive images ({len(self.pos_boxes)} boxes), {len(self.neg)} negatives + {len(self.tower_neg)} tower negatives, {len(self.fire)} cair fire with weak boxes ({time.time() - t0:.0f} s)")
        self.composites = self._cached(cache / f"composites-{n_composite}-{seed}.npz", n_composite, seed + 1, self._make_composite)
        self.hard = self._cached(cache / f"hard-{n_hard}-{seed}.npz", n_hard, seed + 2, lambda g: (hard_negative(self._bg(g), g), []))
        self.close = self._cached(cache / f"close-{n_close}-{seed}.npz", n_close, seed + 3, lambda g: render_close_scene(g, T))
        self.tower = self._cached(cache / f"tower-{n_tower}-{seed}.npz", n_tower, seed + 4, lambda g: render_tower_scene(g, T))
        self.kinds = list(self.MIX)
        self.weights = [self.MIX[k] for k in self.kinds]

    def _bg(self, g: np.random.Generator, outdoor: bool = False) -> np.ndarray:
        pool = self.outdoor if outdoor else self.neg_all  # composites: landscapes only (cair/normal has many rooms and streets)
        r = pool[int(g.integers(0, len(pool)))]
        h, w = r.img.shape[:2]
        tile, _, _ = crop(r.img, int(g.integers(0, max(1, w - T + 1))), int(g.integers(0, max(1, h - T + 1))))
        return tile

    def _make_composite(self, g: np.random.Generator):
        """A plume must rise from a skyline: tiles where none is found (plain sky, rooms) are drawn again."""
        for _ in range(10):
            bg = self._bg(g, outdoor=True)
            if not skyline(bg)[1]:
                continue
            tile, boxes = composite(bg, g)
            if boxes:
                return tile, boxes
        return composite(bg, g)

    def _cached(self, path: Path, n: int, seed: int, make):
        if path.exists():
            d = np.load(path, allow_pickle=True)
            return list(zip(d["images"], d["boxes"]))
        g = np.random.default_rng(seed)
        t0 = time.time()
        out = [make(g) for _ in range(n)]
        path.parent.mkdir(parents=True, exist_ok=True)
        boxes = np.empty(len(out), dtype=object)
        boxes[:] = [list(b) for _, b in out]
        np.savez(path, images=np.stack([i for i, _ in out]), boxes=boxes)
        log(f"{path.name}: {n} samples in {time.time() - t0:.0f} s")
        return out

    def sample(self):
        """(uint8 256x256x3, boxes, class mask [fire, smoke])."""
        rng = self.rng
        while True:
            k = rng.choices(self.kinds, self.weights)[0]
            mask = [1.0, 1.0]
            if k == "pos_tile":
                i, j = self.pos_boxes[rng.randrange(len(self.pos_boxes))]
                img, boxes, amb = pos_crop(self.pos[i], rng, j)
                if amb:
                    mask = [1.0, 0.0]
            elif k == "pos_whole":
                img, boxes, amb = whole(self.pos[rng.randrange(len(self.pos))], rng, True)
                if amb:
                    mask = [1.0, 0.0]
            elif k == "composite":
                img, boxes = self.composites[rng.randrange(len(self.composites))]
            elif k == "neg_tile":
                img, boxes = neg_crop(self.neg_all[rng.randrange(len(self.neg_all))], rng), []
            elif k == "pos_bg_tile":
                img, boxes = neg_crop(self.pos[rng.randrange(len(self.pos))], rng), []
                if img is None:
                    continue
            elif k == "neg_whole":
                img, boxes, _ = whole(self.neg_all[rng.randrange(len(self.neg_all))], rng, False)
            elif k == "hard_negative":
                img, boxes = self.hard[rng.randrange(len(self.hard))]
            elif k == "synth_close":
                img, boxes = self.close[rng.randrange(len(self.close))]
            elif k == "synth_tower":
                img, boxes = self.tower[rng.randrange(len(self.tower))]
            else:
                img, boxes = self.fire[rng.randrange(len(self.fire))]
                mask = [1.0, 0.0]
            if k in ("pos_tile", "neg_tile", "pos_bg_tile", "pos_whole", "neg_whole") and rng.random() < 0.3:
                img = jpeg(np.ascontiguousarray(img), rng.randint(40, 92))
            return img, list(boxes), mask

    def batch(self, n: int):
        imgs, targets, masks = [], [], []
        rng = self.rng
        for _ in range(n):
            img, boxes, mask = self.sample()
            t = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).float() / 255.0
            b = torch.tensor([list(x[1:]) for x in boxes], dtype=torch.float32).reshape(-1, 4)
            c = torch.tensor([int(x[0]) for x in boxes], dtype=torch.long)
            if rng.random() < 0.5:
                t = t.flip(2)
                if b.numel():
                    b = torch.stack([T - b[:, 2], b[:, 1], T - b[:, 0], b[:, 3]], 1)
            t = (t - 0.5) * rng.uniform(0.75, 1.25) + 0.5 + rng.uniform(-0.1, 0.1)
            t = t * torch.tensor([rng.uniform(0.93, 1.07) for _ in range(3)])[:, None, None]
            if rng.random() < 0.2:
                t = t + torch.randn_like(t) * rng.uniform(0.005, 0.025)
            imgs.append(t.clamp(0, 1))
            targets.append((b, c))
            masks.append(torch.tensor(mask))
        return torch.stack(imgs), targets, torch.stack(masks)


# ---- export, thresholds --------------------------------------------------------------------------------------
def export(model: Detector, out: Path, thresholds: dict | None = None, extra: dict | None = None) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    name = f"lookout-fire-smoke-{T}"
    was = model.training
    model.eval()
    model.export_mode = True
    torch.onnx.export(model, torch.zeros(1, 3, T, T), str(out / f"{name}.onnx"), opset_version=13, input_names=["images"], output_names=["output0"], dynamic_axes={"images": {0: "batch"}, "output0": {0: "batch"}})
    model.export_mode = False
    model.train(was)
    th = thresholds or {"fire": 0.4, "smoke": 0.4}
    meta = {
        "name": name,
        "task": "detect",
        "layout": "yolov8",
        "input": {"width": T, "height": T, "letterbox": 114},
        "classes": CLASSES,
        "thresholds": {"confidence": min(th.values()), "iou": 0.45, "classes": th},
        "trainedWith": "models/train/tiles_train.py",
    }
    if extra:
        meta.update(extra)
    (out / f"{name}.json").write_text(json.dumps(meta, indent=2) + "\n")
    torch.save(model.state_dict(), out / f"{name}.pt")
    return out / f"{name}.onnx"


def val_sets(split: dict):
    sets = standard_sets("val", split, with_wildfires=False)
    return sets


def choose(sets, raw, max_fa: float):
    """Grid over (fire, smoke): most validation smoke boxes found (then fire boxes, then fewer false alarms) with
    validation negatives flagged <= max_fa."""
    grid = []
    for fire in [round(0.3 + 0.05 * i, 2) for i in range(12)]:  # 0.3 .. 0.85
        for smoke in [round(0.1 + 0.05 * i, 2) for i in range(16)]:  # 0.1 .. 0.85
            f = figures(sets, raw, (fire, smoke))
            smoke_found = sum(v.get("smoke_boxes_found", 0) for v in f.values())
            fire_found = sum(v.get("fire_boxes_found", 0) for v in f.values())
            neg_n = sum(v["images"] for k, v in f.items() if "false_alarm_rate" in v) + sum(v.get("negative_images", 0) for v in f.values())
            neg_f = sum(v["flagged"] for k, v in f.items() if "false_alarm_rate" in v) + sum(v.get("negative_images_flagged", 0) for v in f.values())
            grid.append({"fire": fire, "smoke": smoke, "smoke_found": smoke_found, "fire_found": fire_found, "negatives": neg_n, "negatives_flagged": neg_f, "fa": round(neg_f / max(1, neg_n), 4)})
    ok = [g for g in grid if g["fa"] <= max_fa] or sorted(grid, key=lambda g: g["fa"])[:1]
    best = max(ok, key=lambda g: (g["smoke_found"], g["fire_found"], -g["negatives_flagged"], g["smoke"], g["fire"]))
    return best, grid


def score_checkpoint(model, split, max_fa: float):
    sets = val_sets(split)
    raw = collect(model, sets, log=lambda m: None)
    best, _ = choose(sets, raw, max_fa)
    return best


# ---- main ----------------------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/lookout-tiles/final")
    ap.add_argument("--init", default=str(REPO / "models" / "lookout-fire-smoke-256.onnx"), help=".onnx (unfolded by from_onnx.py) or .pt; 'none' to train afresh")
    ap.add_argument("--minutes", type=float, default=65.0, help="wall-clock training budget")
    ap.add_argument("--checkpoint-minutes", type=float, default=15.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=1, help="torch threads; 1 by default: on the shared 2-core machine, with another process busy, 2 threads ran 3-10x slower than 1 (each op waits for the thread that lost its core)")
    ap.add_argument("--score-checkpoints", action="store_true", help="also score each checkpoint on the validation part (minutes each on a busy machine)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--cache", default="/tmp/lookout-tiles/cache")
    ap.add_argument("--composites", type=int, default=3000)
    ap.add_argument("--hard", type=int, default=1200)
    ap.add_argument("--close", type=int, default=1500)
    ap.add_argument("--tower", type=int, default=800)
    ap.add_argument("--max-false-alarm", type=float, default=0.03)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    split = load_split()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = Data(split, Path(args.cache), args.seed, args.composites, args.hard, args.close, args.tower)

    if args.init == "none":
        model = Detector(len(CLASSES))
    elif args.init.endswith(".onnx"):
        from from_onnx import load_from_onnx

        model = load_from_onnx(args.init)
    else:
        model = Detector(len(CLASSES))
        model.load_state_dict(torch.load(args.init))
    log(f"initialised from {args.init}; {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters")
    ema = ema_of(model)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)

    budget = args.minutes * 60
    t0 = time.time()
    next_ckpt = args.checkpoint_minutes * 60
    step = 0
    history = []
    paused = 0.0  # checkpoint evaluation time does not count against the training budget's schedule
    model.train()
    while budget > 0:
        el = time.time() - t0 - paused
        frac = el / budget
        if frac >= 1:
            break
        lr = args.lr * (frac / 0.03 if frac < 0.03 else 0.5 * (1 + math.cos(math.pi * frac)) * 0.95 + 0.05)
        for g in opt.param_groups:
            g["lr"] = lr
        x, targets, masks = data.batch(args.batch)
        loss, lc, lb = detection_loss(model(x), targets, len(CLASSES), masks)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        decay = 0.999 * (1 - math.exp(-(step + 100) / 200))  # fine-tuning: the EMA starts near the initial weights
        ema_update(ema, model, decay)
        step += 1
        if step % 25 == 0:
            log(f"step {step} loss {loss.item():.3f} (cls {lc.item():.3f} box {lb.item():.3f}) lr {lr:.5f} {step * args.batch / max(1, el):.1f} img/s {el / 60:.1f}/{args.minutes} min")
        if el >= next_ckpt:
            t1 = time.time()
            d = out / "checkpoints" / f"min{int(el // 60):03d}"
            export(ema, d)
            entry = {"minutes": round(el / 60, 1), "step": step, "path": str(d)}
            if args.score_checkpoints:
                entry.update(score_checkpoint(ema, split, args.max_false_alarm))
            history.append(entry)
            log(f"checkpoint {entry}")
            paused += time.time() - t1
            next_ckpt += args.checkpoint_minutes * 60
            model.train()

    log(f"trained {step} steps ({step * args.batch} samples) in {(time.time() - t0 - paused) / 60:.1f} min")
    # thresholds on the validation part, figures on the evaluation part
    sets = val_sets(split)
    raw = collect(ema, sets, log)
    best, grid = choose(sets, raw, args.max_false_alarm)
    th = {"fire": best["fire"], "smoke": best["smoke"]}
    log(f"thresholds chosen on validation: {th} ({best})")
    val_fig = figures(sets, raw, (th["fire"], th["smoke"]))
    ev = standard_sets("eval", split)
    raw_e = collect(ema, ev, log)
    eval_fig = {}
    for name, pair in (("chosen", (th["fire"], th["smoke"])), ("0.4", (0.4, 0.4)), ("0.3", (0.3, 0.3)), ("0.5", (0.5, 0.5))):
        eval_fig[name] = figures(ev, raw_e, pair)
    onnx_path = export(ema, out, th)
    result = {
        "steps": step, "samples": step * args.batch, "minutes": args.minutes, "mix": Data.MIX, "init": args.init,
        "thresholds": th, "validation_choice": best, "validation_figures": val_fig, "evaluation_figures": eval_fig,
        "checkpoints": history, "validation_grid": grid,
    }
    (out / "tiles-eval.json").write_text(json.dumps(result, indent=1) + "\n")
    log(f"wrote {onnx_path} ({os.path.getsize(onnx_path) / 1e6:.2f} MB) and {out / 'tiles-eval.json'}")
    log(json.dumps(eval_fig["chosen"], indent=1))


if __name__ == "__main__":
    main()
