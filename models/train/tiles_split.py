"""Deterministic train / validation / evaluation split of the real images used by the tile model.

    /usr/bin/python3 models/train/tiles_split.py            # writes models/train/tiles-split.json
    /usr/bin/python3 models/train/tiles_split.py --check    # recomputes it and fails if the committed file differs

The split file lists file NAMES only (the images stay in ../shared, never in the repository).

Rules:
  - a unit is a near-duplicate group (never split inside one) or a single image; its part is chosen from
    sha1("lookout-tiles:" + the first file name of the group, sorted) % 100: et760 0-39 evaluation (about 40 %), 40-59 validation,
    60-99 train; the other sets 0-29 evaluation, 30-49 validation, 50-99 train;
  - groups: those listed in ../shared/fire-real/et760-extra/README.md, the dup_of column of
    aiformankind-web-positive/summary.csv, and, across et760 + et760-extra (one collection) and within
    aiformankind-web-positive, any pair whose 8x8 difference hash differs by <= 6 bits (found automatically,
    merged into one group, listed in the file);
  - et760-extra valid_images_* carry a green rectangle painted by an earlier annotation: never trained on
    (their part is "excluded" when the hash says train);
  - aiformankind-web-positive images without a label file are not used at all (not labelled does not mean
    nothing there);
  - cair/normal and cair/fire keep real.py's rule: real.is_held_out() = evaluation; of the rest,
    sha1("lookout-tiles-val:" + name) % 10 < 2 is validation, the rest train;
  - ../shared/fire/wildfires2025 is never in the split: always held out.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from real import is_held_out  # noqa: E402

REPO = HERE.parents[1]
SHARED = REPO.parent / "shared"
SPLIT_FILE = HERE / "tiles-split.json"

# et760-extra/README.md: "testing 23/24 + training 35/36; testing 29-31 + training 40/41; testing 32/33 + training 42;
# testing 34-36 + training 44/45; testing 26 + training 46"
ET760_EXTRA_GROUPS = [
    (["testing", 23, 24], ["training", 35, 36]),
    (["testing", 29, 30, 31], ["training", 40, 41]),
    (["testing", 32, 33], ["training", 42]),
    (["testing", 34, 35, 36], ["training", 44, 45]),
    (["testing", 26], ["training", 46]),
]


def _h(s: str) -> int:
    return int(hashlib.sha1(s.encode()).hexdigest(), 16)


def dhash(path: Path) -> int:
    g = np.asarray(Image.open(path).convert("L").resize((9, 8), Image.BILINEAR), np.int16)
    bits = (g[:, 1:] > g[:, :-1]).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


class Groups:
    def __init__(self, names):
        self.parent = {n: n for n in names}

    def find(self, a):
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def members(self):
        out: dict[str, list[str]] = {}
        for n in sorted(self.parent):
            out.setdefault(self.find(n), []).append(n)
        return out


def images(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "images").iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))


def part_of(key: str, eval_pct: int) -> str:
    b = _h("lookout-tiles:" + key) % 100
    return "eval" if b < eval_pct else "val" if b < eval_pct + 20 else "train"


def build(shared: Path = SHARED) -> dict:
    real = shared / "fire-real"
    sets = {
        "et760": images(real / "et760"),
        "et760-extra": images(real / "et760-extra"),
        "aiformankind-web-positive": [n for n in images(real / "aiformankind-web-positive") if (real / "aiformankind-web-positive" / "labels" / (Path(n).stem + ".txt")).exists()],
        "aiformankind-web-negative": images(real / "aiformankind-web-negative"),
    }
    # one union-find over the et760 collection (both folders) and one over aiformankind positives
    et_names = [f"et760/{n}" for n in sets["et760"]] + [f"et760-extra/{n}" for n in sets["et760-extra"]]
    g_et = Groups(et_names)
    for group in ET760_EXTRA_GROUPS:
        names = [f"et760-extra/{kind}_image_{i:05d}.jpg" for kind, *nums in group for i in nums]
        names = [n for n in names if n in g_et.parent]
        for n in names[1:]:
            g_et.union(names[0], n)
    aif_names = [f"aiformankind-web-positive/{n}" for n in sets["aiformankind-web-positive"]]
    g_aif = Groups(aif_names)
    with open(real / "aiformankind-web-positive" / "summary.csv") as f:
        for row in csv.DictReader(f):
            a, b = f"aiformankind-web-positive/{row['file']}", f"aiformankind-web-positive/{row['dup_of'].strip()}"
            if row["dup_of"].strip() and a in g_aif.parent and b in g_aif.parent:
                g_aif.union(a, b)
    auto = []
    for g, names in ((g_et, et_names), (g_aif, aif_names)):
        hashes = {n: dhash(real / n.split("/")[0] / "images" / n.split("/")[1]) for n in names}
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if bin(hashes[a] ^ hashes[b]).count("1") <= 6 and g.find(a) != g.find(b):
                    auto.append([a, b])
                    g.union(a, b)
    out: dict = {
        "about": "Lookout tile-model split (models/train/tiles_split.py). File names only; images live in ../shared. "
        "Parts: train (trained on), val (threshold choice, model selection), eval (fixed evaluation, never trained on), "
        "excluded (never used for training). ../shared/fire/wildfires2025 is entirely held out (not listed).",
        "auto_near_duplicates": auto,
        "sets": {},
    }
    for g in (g_et, g_aif):
        for root, members in g.members().items():
            first = sorted(members)[0].split("/", 1)[1]
            part = part_of(first, 40 if any(m.startswith("et760/") for m in members) else 30)
            for m in members:
                s, n = m.split("/", 1)
                p = part
                if s == "et760-extra" and n.startswith("valid_images_") and p == "train":
                    p = "excluded"
                out["sets"].setdefault(s, {"train": [], "val": [], "eval": [], "excluded": []})[p].append(n)
    neg = {"train": [], "val": [], "eval": [], "excluded": []}
    for n in sets["aiformankind-web-negative"]:
        neg[part_of(n, 30)].append(n)
    out["sets"]["aiformankind-web-negative"] = neg
    for sub in ("normal", "fire"):
        c = {"train": [], "val": [], "eval": [], "excluded": []}
        for p in sorted((shared / "fire" / "cair" / sub).glob("*.jpg")):
            n = p.name
            c["eval" if is_held_out(n) else "val" if _h("lookout-tiles-val:" + n) % 10 < 2 else "train"].append(n)
        out["sets"][f"cair-{sub}"] = c
    for s in out["sets"].values():
        for k in s:
            s[k].sort()
    out["counts"] = {k: {p: len(v) for p, v in s.items()} for k, s in out["sets"].items()}
    return out


def load_split(path: Path = SPLIT_FILE) -> dict:
    return json.loads(path.read_text())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--shared", default=str(SHARED))
    args = ap.parse_args()
    split = build(Path(args.shared))
    text = json.dumps(split, indent=1) + "\n"
    if args.check:
        if SPLIT_FILE.read_text() != text:
            raise SystemExit(f"{SPLIT_FILE} differs from a fresh computation")
        print("split unchanged")
        return
    SPLIT_FILE.write_text(text)
    print(json.dumps(split["counts"]))
    print("auto near-duplicates:", split["auto_near_duplicates"])


if __name__ == "__main__":
    main()
