"""Train Lookout's default fire + smoke detector and export it to ONNX with its metadata and evaluation.

    nice -n 10 /usr/bin/python3 models/train/train.py --minutes 20 --out models

Writes OUT/lookout-fire-smoke-256.onnx, .json (metadata read by edge/fire/detector.ts) and
OUT/train/last-eval.json (figures for MODEL_CARD.md). Training is NOT part of CI.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torchvision

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from model import Detector, detection_loss, ema_of, ema_update  # noqa: E402
from real import FIRE, SMOKE, TRAIN_SUNSETS, discover, letterbox, load_rgb, training_samples  # noqa: E402
from synth import VERSION as SYNTH_VERSION, render_scene  # noqa: E402

CLASSES = ["fire", "smoke"]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def synth_set(n: int, size: int, seed: int, cache: Path | None, tower_share: float = 0.0):
    if cache and cache.exists():
        data = np.load(cache, allow_pickle=True)
        return list(zip(data["images"], data["boxes"]))
    rng = np.random.default_rng(seed)
    out = []
    t0 = time.time()
    for i in range(n):
        out.append(render_scene(rng, size, tower_share))
        if (i + 1) % 500 == 0:
            log(f"synthetic {i + 1}/{n} ({time.time() - t0:.0f} s)")
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        boxes = np.empty(len(out), dtype=object)
        boxes[:] = [b for _, b in out]
        np.savez(cache, images=np.stack([i for i, _ in out]), boxes=boxes)
    return out


def to_targets(boxes):
    if len(boxes) == 0:
        return torch.zeros((0, 4)), torch.zeros((0,), dtype=torch.long)
    arr = torch.tensor([list(b[1:]) for b in boxes], dtype=torch.float32)
    cls = torch.tensor([int(b[0]) for b in boxes], dtype=torch.long)
    return arr, cls


def make_batch(samples, idx, size, rng: random.Random):
    imgs, targets, masks = [], [], []
    for i in idx:
        img, boxes, weak = samples[i]
        t = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).float() / 255.0
        b, c = to_targets(boxes)
        if rng.random() < 0.5:
            t = t.flip(2)
            if b.numel():
                b = torch.stack([size - b[:, 2], b[:, 1], size - b[:, 0], b[:, 3]], 1)
        # photometric jitter: brightness, contrast, slight colour balance
        t = (t - 0.5) * rng.uniform(0.75, 1.25) + 0.5 + rng.uniform(-0.1, 0.1)
        t = t * torch.tensor([rng.uniform(0.93, 1.07) for _ in range(3)])[:, None, None]
        imgs.append(t.clamp(0, 1))
        targets.append((b, c))
        # weakly labelled real fire images carry no smoke labels: do not teach "no smoke" on them
        masks.append(torch.tensor([1.0, 0.0] if weak else [1.0, 1.0]))
    return torch.stack(imgs), targets, torch.stack(masks)


@torch.no_grad()
def predict(model, images: list[np.ndarray], conf: float, iou: float = 0.45, batch: int = 32):
    """images: uint8 HxWx3 at the model size. Returns per image a list of (cls, score, x1, y1, x2, y2)."""
    model.eval()
    model.export_mode = True
    results = []
    for s in range(0, len(images), batch):
        x = torch.from_numpy(np.stack(images[s : s + batch])).permute(0, 3, 1, 2).float() / 255.0
        out = model(x)  # [B, 4+C, N]
        for o in out:
            box, scores = o[:4].T, o[4:].T
            best, cls = scores.max(1)
            keep = best >= conf
            box, best, cls = box[keep], best[keep], cls[keep]
            xyxy = torch.cat([box[:, :2] - box[:, 2:] / 2, box[:, :2] + box[:, 2:] / 2], 1)
            k = torchvision.ops.batched_nms(xyxy, best, cls, iou)
            results.append([(int(cls[j]), float(best[j]), *[float(v) for v in xyxy[j]]) for j in k])
    model.export_mode = False
    return results


def iou_xyxy(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / ua if ua > 0 else 0.0


def box_pr(preds, gts, cls: int, iou_thr: float = 0.5):
    """Greedy matching by score at IoU >= iou_thr for one class: (tp, fp, fn)."""
    tp = fp = fn = 0
    for p, g in zip(preds, gts):
        pc = sorted([d for d in p if d[0] == cls], key=lambda d: -d[1])
        gc = [b for b in g if b[0] == cls]
        used = [False] * len(gc)
        for d in pc:
            best, bi = 0.0, -1
            for j, b in enumerate(gc):
                v = iou_xyxy(d[2:], b[1:])
                if not used[j] and v > best:
                    best, bi = v, j
            if best >= iou_thr:
                used[bi] = True
                tp += 1
            else:
                fp += 1
        fn += used.count(False)
    return tp, fp, fn


def ratio(a: int, b: int):
    return round(a / b, 3) if b else None


def keep_above(preds, conf: tuple[float, ...]):
    """Per-class thresholds applied to detections made at a lower one (NMS is per class, so this equals
    detecting at these thresholds)."""
    return [[d for d in p if d[1] >= conf[d[0]]] for p in preds]


def evaluate(model, size, synth_val, held, conf: float | tuple[float, ...], cached: dict | None = None):
    """cached: {"synth": preds, "real": {path: preds}} made at a threshold <= conf, to evaluate many thresholds."""
    conf = conf if isinstance(conf, tuple) else (conf,) * len(CLASSES)
    res: dict = {"confidence": conf[0] if len(set(conf)) == 1 else dict(zip(CLASSES, conf))}
    low = min(conf)
    preds = keep_above(cached["synth"] if cached else predict(model, [img for img, _ in synth_val], low), conf)
    gts = [b for _, b in synth_val]
    for c, name in enumerate(CLASSES):
        tp, fp, fn = box_pr(preds, gts, c)
        res[f"synthetic_{name}"] = {"precision": ratio(tp, tp + fp), "recall": ratio(tp, tp + fn), "tp": tp, "fp": fp, "fn": fn}
    neg = [i for i, b in enumerate(gts) if not b]
    res["synthetic_negatives_with_any_detection"] = f"{sum(1 for i in neg if preds[i])}/{len(neg)}"

    # real, held out: box level on wildfires2025 (smoke), image level on the rest
    wf = [h for h in held if h.group == "wildfires2025"]
    imgs, gtl = [], []
    for h in wf:
        arr, s, px, py = letterbox(load_rgb(h.path), size)
        imgs.append(arr)
        gtl.append([(c, x1 * s + px, y1 * s + py, x2 * s + px, y2 * s + py) for c, x1, y1, x2, y2 in h.boxes])
    p = keep_above([cached["real"][h.path] for h in wf] if cached else predict(model, imgs, low), conf)
    tp, fp, fn = box_pr(p, gtl, SMOKE, 0.3)
    res["real_wildfires2025_smoke_boxes_iou0.3"] = {"precision": ratio(tp, tp + fp), "recall": ratio(tp, tp + fn), "tp": tp, "fp": fp, "fn": fn}
    res["real_wildfires2025_best_smoke_iou"] = [round(max([iou_xyxy(d[2:], g[0][1:]) for d in pi if d[0] == SMOKE] + [0.0]), 3) for pi, g in zip(p, gtl)]
    per_group: dict = {}
    for h in held:
        if h.group == "wildfires2025":
            continue
        dets = keep_above([cached["real"][h.path] if cached else predict(model, [letterbox(load_rgb(h.path), size)[0]], low)[0]], conf)[0]
        g = per_group.setdefault(h.group, {"images": 0, "flagged": 0, "flagged_names": []})
        g["images"] += 1
        if dets:
            g["flagged"] += 1
            if h.group != "cair-fire":
                g["flagged_names"].append(h.path.name)
    res["real_image_level"] = per_group
    fire_hit = per_group.get("cair-fire", {}).get("flagged", 0)
    fire_n = per_group.get("cair-fire", {}).get("images", 0)
    normal_fp = per_group.get("cair-normal", {}).get("flagged", 0)
    res["real_cair_image_level"] = {"recall": ratio(fire_hit, fire_n), "precision": ratio(fire_hit, fire_hit + normal_fp), "false_alarm_rate_on_normal": ratio(normal_fp, per_group.get("cair-normal", {}).get("images", 0))}
    return res


def export(ema, args, out: Path) -> None:
    """ONNX (opset 13, dynamic batch, output [B, 4+C, N]) and its metadata file."""
    size = args.size
    out.mkdir(parents=True, exist_ok=True)
    name = f"lookout-fire-smoke-{size}"
    was_training = ema.training
    ema.eval()
    ema.export_mode = True
    torch.onnx.export(
        ema, torch.zeros(1, 3, size, size), str(out / f"{name}.onnx"), opset_version=13,
        input_names=["images"], output_names=["output0"], dynamic_axes={"images": {0: "batch"}, "output0": {0: "batch"}},
    )
    ema.export_mode = False
    ema.train(was_training)
    meta = {
        "name": name,
        "task": "detect",
        "layout": "yolov8",
        "input": {"width": size, "height": size, "letterbox": 114},
        "classes": CLASSES,
        "thresholds": {"confidence": args.conf, "iou": 0.45},
        "trainedWith": "models/train/train.py",
    }
    (out / f"{name}.json").write_text(json.dumps(meta, indent=2) + "\n")
    log(f"wrote {out / name}.onnx ({os.path.getsize(out / f'{name}.onnx') / 1e6:.2f} MB)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(HERE.parent))
    ap.add_argument("--shared", default=str(HERE.parents[2] / "shared" / "fire"), help="../shared/fire relative to the repo")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--synthetic", type=int, default=4000)
    ap.add_argument("--val", type=int, default=400)
    ap.add_argument("--minutes", type=float, default=20.0, help="wall-clock training budget")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", default="/tmp/lookout-train-cache")
    ap.add_argument("--conf", type=float, default=0.3, help="confidence threshold written to the metadata")
    ap.add_argument("--eval-out", default=None, help="where to write the evaluation (default train/last-eval.json); with --minutes 0 only --init is evaluated")
    ap.add_argument("--tower-share", type=float, default=0.0, help="share of synthetic scenes that are distant tower views with small faint smoke (0: the committed model's data; 0.5: the session-2 experiment in MODEL_CARD.md)")
    ap.add_argument("--init", default=None, help="start from these weights (a .pt state dict saved by an earlier run) and fine-tune")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    cache = Path(args.cache) if args.cache else None
    size = args.size

    log(f"rendering {args.synthetic} synthetic training + {args.val} validation scenes at {size}px")
    key = f"v{SYNTH_VERSION}-t{args.tower_share}-{size}"
    train_s = synth_set(args.synthetic, size, args.seed, cache / f"train-{key}-{args.synthetic}-{args.seed}.npz" if cache else None, args.tower_share)
    val_s = synth_set(args.val, size, args.seed + 1000, cache / f"val-{key}-{args.val}-{args.seed}.npz" if cache else None, args.tower_share)
    train_real, held = discover(Path(args.shared))
    real = training_samples(train_real, size)
    log(f"real training images: {len(real)} ({sum(1 for _, b, _ in real if b)} with weak fire boxes); held out: {len(held)}")
    samples = [(i, b, False) for i, b in train_s]
    # Real photos are what the detector meets in the field: weakly labelled fires 6x, negatives 2x per epoch,
    # the real sunsets (the worst look-alikes) 12x.
    samples += [(i, b, True) for i, b, _ in real if b] * 6
    samples += [(i, b, False) for i, b, _ in real if not b] * 2
    samples += [(i, b, False) for i, b, name in real if name in TRAIN_SUNSETS] * 12

    model = Detector(len(CLASSES))
    if args.init:
        model.load_state_dict(torch.load(args.init))
        log(f"initialised from {args.init}")
    log(f"parameters: {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M")
    ema = ema_of(model)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)

    budget = args.minutes * 60
    t0 = time.time()
    step, epoch = 0, 0
    done = args.minutes <= 0
    while not done:
        order = list(range(len(samples)))
        rng.shuffle(order)
        model.train()
        for s in range(0, len(order) - args.batch + 1, args.batch):
            frac = (time.time() - t0) / budget
            if frac >= 1:
                done = True
                break
            lr = args.lr * (frac / 0.03 if frac < 0.03 else 0.5 * (1 + math.cos(math.pi * frac)) * 0.95 + 0.05)
            for g in opt.param_groups:
                g["lr"] = lr
            x, targets, masks = make_batch(samples, order[s : s + args.batch], size, rng)
            loss, lc, lb = detection_loss(model(x), targets, len(CLASSES), masks)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            decay = 0.999 * (1 - math.exp(-step / 200))
            ema_update(ema, model, decay)
            step += 1
            if step % 150 == 0:
                export(ema, args, Path(args.out) / "checkpoint")
            if step % 20 == 0:
                el = time.time() - t0
                log(f"epoch {epoch} step {step} loss {loss.item():.3f} (cls {lc.item():.3f} box {lb.item():.3f}) lr {lr:.5f} {step * args.batch / el:.1f} img/s {el / 60:.1f}/{args.minutes} min")
        epoch += 1
        if not done:
            r = evaluate(ema, size, val_s[:150], [], args.conf)
            log(f"epoch {epoch} synthetic val: fire {r['synthetic_fire']} smoke {r['synthetic_smoke']}")
            export(ema, args, Path(args.out) / "checkpoint")

    log("final evaluation")
    result = {"steps": step, "epochs": round(step * args.batch / len(samples), 2), "images_per_epoch": len(samples), "minutes": args.minutes, "size": size, "synthetic_generator_version": SYNTH_VERSION}
    cached = {"synth": predict(ema, [img for img, _ in val_s], 0.05), "real": {}}
    for h in held:
        cached["real"][h.path] = predict(ema, [letterbox(load_rgb(h.path), size)[0]], 0.05)[0]
    for conf in (0.2, 0.3, 0.4):
        result[f"conf_{conf}"] = evaluate(ema, size, val_s, held, conf, cached)
        log(json.dumps(result[f"conf_{conf}"]))
    # per-class thresholds (fire, smoke): one line each, to choose the metadata's thresholds
    grid = []
    for fire_conf in (0.3, 0.4, 0.5):
        for smoke_conf in (0.1, 0.15, 0.2, 0.25, 0.3, 0.4):
            r = evaluate(ema, size, val_s, held, (fire_conf, smoke_conf), cached)
            g = r["real_image_level"]
            grid.append({
                "fire": fire_conf, "smoke": smoke_conf,
                "wildfires2025_smoke_tp": r["real_wildfires2025_smoke_boxes_iou0.3"]["tp"],
                "wildfires2025_smoke_fp": r["real_wildfires2025_smoke_boxes_iou0.3"]["fp"],
                "cair_fire_flagged": f"{g.get('cair-fire', {}).get('flagged')}/{g.get('cair-fire', {}).get('images')}",
                "cair_normal_flagged": f"{g.get('cair-normal', {}).get('flagged')}/{g.get('cair-normal', {}).get('images')}",
                "deepquestai_flagged": g.get("deepquestai", {}).get("flagged_names"),
                "synthetic_fire_pr": [r["synthetic_fire"]["precision"], r["synthetic_fire"]["recall"]],
                "synthetic_smoke_pr": [r["synthetic_smoke"]["precision"], r["synthetic_smoke"]["recall"]],
                "synthetic_negatives_with_any_detection": r["synthetic_negatives_with_any_detection"],
            })
            log(json.dumps(grid[-1]))
    result["per_class_thresholds"] = grid

    if args.minutes > 0:
        export(ema, args, Path(args.out))
    (Path(args.eval_out) if args.eval_out else HERE / "last-eval.json").write_text(json.dumps(result, indent=2) + "\n")
    if cache and args.minutes > 0:
        torch.save(ema.state_dict(), cache / f"lookout-fire-smoke-{size}.pt")


if __name__ == "__main__":
    main()
