"""Synthetic forest-watch scenes with fire and smoke boxes, plus look-alikes (training data only).

A scene is rendered at the model input size, optionally as a wide (16:9 / 4:3) camera frame letterboxed
into the square input the way the edge feeds the model. Classes: 0 = fire, 1 = smoke.

This generator is for TRAINING ONLY. Tests and the camera simulator render their scenes differently
(tests use real photos and ffmpeg-drawn frames), so a passing test is not the model recognising its own
training images.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

FIRE, SMOKE = 0, 1
LETTERBOX_GRAY = 114
VERSION = 3  # bump when the scenes change: training caches are keyed by it (2: tower views with distant smoke, 3: drawn 2x)
SUPERSAMPLE = 2  # tower views are drawn at this multiple of the model size, then shrunk


def _blur(arr: np.ndarray, radius: float) -> np.ndarray:
    """Gaussian blur of a float HxW (0..1) or HxWx3 array through PIL."""
    if radius <= 0:
        return arr
    img = Image.fromarray(np.clip(arr * 255, 0, 255).astype(np.uint8))
    return np.asarray(img.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32) / 255.0


def _noise_field(rng: np.random.Generator, h: int, w: int, scale: int) -> np.ndarray:
    """Smooth value noise in 0..1 by upsampling a coarse random grid."""
    gh, gw = max(2, h // scale + 2), max(2, w // scale + 2)
    coarse = (rng.random((gh, gw)) * 255).astype(np.uint8)
    img = Image.fromarray(coarse).resize((w, h), Image.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


def _lerp(a, b, t):
    return a + (b - a) * t


SKIES = {
    # name: (top colour, horizon colour)
    "day": ((0.25, 0.45, 0.80), (0.70, 0.82, 0.95)),
    "overcast": ((0.55, 0.58, 0.62), (0.78, 0.80, 0.82)),
    "haze": ((0.62, 0.68, 0.75), (0.88, 0.88, 0.85)),
    "sunset": ((0.20, 0.22, 0.45), (0.98, 0.55, 0.20)),
    "dusk": ((0.10, 0.12, 0.30), (0.85, 0.40, 0.30)),
    "night": ((0.02, 0.03, 0.08), (0.08, 0.10, 0.18)),
    "tropical": ((0.15, 0.50, 0.85), (0.80, 0.90, 0.98)),
}
SKY_WEIGHTS = {"day": 3, "overcast": 2, "haze": 2, "sunset": 2, "dusk": 1, "night": 0.7, "tropical": 2}


class Scene:
    def __init__(self, rng: np.random.Generator, h: int, w: int):
        self.rng, self.h, self.w = rng, h, w
        self.img = np.zeros((h, w, 3), np.float32)
        self.boxes: list[tuple[int, float, float, float, float]] = []
        names = list(SKY_WEIGHTS)
        p = np.array([SKY_WEIGHTS[n] for n in names], np.float64)
        self.sky = names[rng.choice(len(names), p=p / p.sum())]
        self.horizon = int(h * rng.uniform(0.35, 0.75))
        self.treetop = np.full(w, self.horizon, np.float32)

    # ---- background -------------------------------------------------------------------------------------
    def paint_sky(self):
        top, hor = (np.array(c, np.float32) for c in SKIES[self.sky])
        jitter = self.rng.normal(0, 0.04, 3).astype(np.float32)
        t = np.linspace(0, 1, self.h, dtype=np.float32)[:, None, None] ** self.rng.uniform(0.6, 1.6)
        self.img[:] = np.clip(_lerp(top + jitter, hor + jitter, t), 0, 1)

    def paint_sun(self, glare: bool):
        r = self.rng
        cx = r.uniform(0, self.w)
        cy = r.uniform(self.horizon * 0.3, self.horizon * (1.05 if self.sky in ("sunset", "dusk") else 0.8))
        radius = r.uniform(3, 12)
        yy, xx = np.mgrid[0 : self.h, 0 : self.w].astype(np.float32)
        d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
        colour = np.array((1.0, 0.75, 0.35) if self.sky in ("sunset", "dusk") else (1.0, 0.98, 0.9), np.float32)
        glow = np.exp(-d / (radius * (r.uniform(3, 8) if glare else 2.0)))[..., None] * (0.9 if glare else 0.5)
        disk = (d < radius).astype(np.float32)[..., None]
        self.img = np.clip(self.img + glow * colour, 0, 1)
        self.img = self.img * (1 - disk) + disk * colour
        if glare and r.random() < 0.6:  # lens streak
            streak = np.exp(-np.abs(yy - cy) / r.uniform(1, 3)) * np.exp(-np.abs(xx - cx) / (self.w * 0.3))
            self.img = np.clip(self.img + streak[..., None] * colour * 0.5, 0, 1)

    def paint_clouds(self, n: int, low: bool = False):
        r = self.rng
        mask = np.zeros((self.h, self.w), np.float32)
        layer = Image.fromarray(np.zeros((self.h, self.w), np.uint8))
        draw = ImageDraw.Draw(layer)
        for _ in range(n):
            cx = r.uniform(-20, self.w + 20)
            cy = r.uniform(self.horizon * (0.6 if low else 0.0), self.horizon * (1.0 if low else 0.8))
            width = r.uniform(20, 120)
            for _ in range(r.integers(3, 9)):
                bx = cx + r.normal(0, width / 3)
                by = cy + r.normal(0, width / 10)
                rx, ry = r.uniform(6, width / 2.5), r.uniform(4, width / 5)
                draw.ellipse((bx - rx, by - ry, bx + rx, by + ry), fill=int(r.uniform(150, 255)))
        mask = np.asarray(layer, np.float32) / 255.0
        mask = _blur(mask, r.uniform(2, 6)) * (0.6 + 0.4 * _noise_field(r, self.h, self.w, 16))
        if self.sky in ("sunset", "dusk"):
            colour = np.array(r.choice([(1.0, 0.6, 0.35), (0.95, 0.45, 0.35), (0.7, 0.5, 0.6)]), np.float32)
        elif self.sky == "night":
            colour = np.array((0.12, 0.12, 0.15), np.float32)
        else:
            g = r.uniform(0.6, 1.0)
            colour = np.array((g, g, g * r.uniform(0.97, 1.03)), np.float32)
        a = mask[..., None] * r.uniform(0.5, 0.95)
        self.img = self.img * (1 - a) + colour * a

    def paint_hills(self):
        r = self.rng
        base = self.horizon - r.uniform(5, 25)
        x = np.arange(self.w, dtype=np.float32)
        ridge = base + 8 * np.sin(x / r.uniform(20, 60) + r.uniform(0, 6)) + 5 * np.sin(x / r.uniform(7, 15))
        yy = np.arange(self.h, dtype=np.float32)[:, None]
        m = (yy > ridge[None, :]).astype(np.float32)[..., None]
        sky_h = self.img[min(self.h - 1, self.horizon)]
        colour = _lerp(np.array((0.3, 0.38, 0.42), np.float32), sky_h, r.uniform(0.3, 0.7))
        self.img = self.img * (1 - m) + colour * m

    def paint_forest(self):
        r = self.rng
        x = np.arange(self.w, dtype=np.float32)
        top = self.horizon + 3 * np.sin(x / r.uniform(10, 40) + r.uniform(0, 6))
        # crowns: many narrow bumps (melaleuca canopies are ragged, with a few taller trees)
        for _ in range(int(self.w / r.uniform(2, 5))):
            cx, hh, ww = r.uniform(0, self.w), r.uniform(2, 10), r.uniform(2, 8)
            top -= hh * np.exp(-((x - cx) / ww) ** 2)
        top += r.normal(0, 0.8, self.w)
        self.treetop = top.astype(np.float32)
        yy = np.arange(self.h, dtype=np.float32)[:, None]
        m = (yy > top[None, :]).astype(np.float32)
        m = _blur(m, 0.7)[..., None]
        dark = self.sky in ("night", "dusk")
        base = np.array((0.08, 0.16, 0.08) if not dark else (0.02, 0.03, 0.02), np.float32)
        base = base * r.uniform(0.6, 1.5) + r.normal(0, 0.02, 3).astype(np.float32)
        tex = _noise_field(r, self.h, self.w, 3)[..., None] * 0.12 - 0.06
        depth = np.clip((yy - self.horizon) / max(1, self.h - self.horizon), 0, 1)[..., None]
        forest = np.clip(base + tex + depth * r.uniform(0.0, 0.15) * np.array((0.6, 0.8, 0.3), np.float32), 0, 1)
        # atmospheric perspective: distant canopy pulled towards the horizon sky colour
        sky_h = self.img[max(0, self.horizon - 2)].mean(axis=0)
        forest = _lerp(forest, sky_h, r.uniform(0.0, 0.35) * (1 - depth))
        self.img = self.img * (1 - m) + forest * m

    def paint_fog(self, strength: float):
        r = self.rng
        yy = np.arange(self.h, dtype=np.float32)[:, None, None]
        centre, spread = self.horizon + r.uniform(-15, 25), r.uniform(10, 50)
        band = np.exp(-((yy - centre) / spread) ** 2)
        band = band * (0.7 + 0.3 * _noise_field(r, self.h, self.w, 24)[..., None])
        colour = np.array((0.85, 0.86, 0.88), np.float32) * r.uniform(0.85, 1.05)
        a = np.clip(band * strength, 0, 0.95)
        self.img = self.img * (1 - a) + colour * a

    def paint_haze(self, strength: float):
        colour = self.img[max(0, self.horizon - 3)].mean(axis=0)
        self.img = _lerp(self.img, colour, strength)

    def paint_orange_objects(self, n: int):
        """Look-alikes: roofs, tarps, boats, trucks, signs in orange/red/yellow."""
        r = self.rng
        layer = Image.fromarray((self.img * 255).astype(np.uint8))
        draw = ImageDraw.Draw(layer)
        for _ in range(n):
            x = r.uniform(0, self.w)
            y = r.uniform(self.horizon, self.h)
            w, h = r.uniform(3, 30), r.uniform(2, 14)
            c = tuple(int(v) for v in r.choice([(230, 110, 30), (200, 60, 30), (240, 180, 40), (180, 80, 40), (250, 140, 60)]))
            if r.random() < 0.5:
                draw.rectangle((x, y, x + w, y + h), fill=c)
            else:
                draw.polygon([(x, y + h), (x + w / 2, y), (x + w, y + h)], fill=c)
        self.img = np.asarray(layer, np.float32) / 255.0

    def paint_lights(self, n: int):
        """Look-alikes at night: street lamps, vehicle lights, windows."""
        r = self.rng
        yy, xx = np.mgrid[0 : self.h, 0 : self.w].astype(np.float32)
        for _ in range(n):
            cx, cy = r.uniform(0, self.w), r.uniform(self.horizon, self.h)
            s = r.uniform(0.8, 3)
            spot = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * s * s))[..., None]
            self.img = np.clip(self.img + spot * np.array((1.0, 0.8, 0.5), np.float32), 0, 1)

    # ---- targets ----------------------------------------------------------------------------------------
    def _ground_y(self, x: float) -> float:
        xi = int(np.clip(x, 0, self.w - 1))
        return float(self.treetop[xi])

    def paint_smoke(self, x0: float, y0: float, scale: float) -> tuple[float, float, float, float] | None:
        r = self.rng
        height = scale * r.uniform(1.0, 3.0)
        drift = r.uniform(-1.2, 1.2) * height
        layer = Image.fromarray(np.zeros((self.h, self.w), np.uint8))
        draw = ImageDraw.Draw(layer)
        steps = 24
        for i in range(steps):
            t = i / (steps - 1)
            cx = x0 + drift * t**1.5 + r.normal(0, scale * 0.05)
            cy = y0 - height * t
            rad = scale * (0.12 + 0.55 * t) * r.uniform(0.7, 1.3)
            v = int(255 * (1 - 0.6 * t) * r.uniform(0.7, 1.0))
            draw.ellipse((cx - rad, cy - rad * 0.8, cx + rad, cy + rad * 0.8), fill=v)
        mask = np.asarray(layer, np.float32) / 255.0
        mask = _blur(mask, max(1.0, scale * 0.08)) * (0.55 + 0.45 * _noise_field(r, self.h, self.w, max(3, int(scale / 6))))
        # below the canopy the plume is hidden by trees
        yy = np.arange(self.h, dtype=np.float32)[:, None]
        mask = mask * (yy <= self.treetop[None, :] + 1)
        if self.sky == "night":
            colour = np.array((0.25, 0.22, 0.2), np.float32) * r.uniform(0.6, 1.2)
        else:
            colour = np.array(r.choice([(0.75, 0.75, 0.75), (0.6, 0.6, 0.62), (0.85, 0.82, 0.75), (0.55, 0.5, 0.45), (0.7, 0.72, 0.8)]), np.float32)
            colour = colour * r.uniform(0.8, 1.15)
        opacity = r.uniform(0.45, 0.95)
        a = np.clip(mask * opacity, 0, 1)[..., None]
        self.img = self.img * (1 - a) + np.clip(colour, 0, 1) * a
        ys, xs = np.nonzero(a[..., 0] > 0.12)
        if len(xs) < 12:
            return None
        return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)

    def paint_fire(self, x0: float, y0: float, width: float) -> tuple[float, float, float, float] | None:
        r = self.rng
        layer = Image.fromarray(np.zeros((self.h, self.w), np.uint8))
        core = Image.fromarray(np.zeros((self.h, self.w), np.uint8))
        draw, dcore = ImageDraw.Draw(layer), ImageDraw.Draw(core)
        tongues = max(1, int(width / r.uniform(2, 6)))
        for _ in range(tongues):
            cx = x0 + r.uniform(-width / 2, width / 2)
            tw = r.uniform(0.15, 0.45) * width + 1.5
            th = tw * r.uniform(1.0, 3.2)
            lean = r.normal(0, tw * 0.3)
            base_y = y0 + r.uniform(-1, width * 0.1)
            pts = [(cx - tw / 2, base_y), (cx - tw / 4 + lean / 2, base_y - th * 0.5), (cx + lean, base_y - th), (cx + tw / 4 + lean / 2, base_y - th * 0.5), (cx + tw / 2, base_y)]
            draw.polygon(pts, fill=255)
            dcore.polygon([(cx - tw / 5, base_y), (cx + lean * 0.5, base_y - th * 0.55), (cx + tw / 5, base_y)], fill=255)
        flame = _blur(np.asarray(layer, np.float32) / 255.0, max(0.5, width * 0.03))
        hot = _blur(np.asarray(core, np.float32) / 255.0, max(0.5, width * 0.05))
        flicker = 0.75 + 0.25 * _noise_field(r, self.h, self.w, max(2, int(width / 5)))
        flame = np.clip(flame * flicker, 0, 1)
        outer = np.array(r.choice([(0.95, 0.35, 0.05), (1.0, 0.45, 0.1), (0.9, 0.25, 0.05), (1.0, 0.55, 0.15)]), np.float32)
        inner = np.array((1.0, 0.85, 0.45), np.float32) if r.random() < 0.7 else np.array((1.0, 0.95, 0.8), np.float32)
        colour = outer[None, None, :] * (1 - hot[..., None]) + inner[None, None, :] * hot[..., None]
        # glow lights the canopy and smoke around the fire
        glow = _blur(flame, max(2.0, width * 0.4)) * r.uniform(0.3, 0.8)
        self.img = np.clip(self.img + glow[..., None] * np.array((0.6, 0.25, 0.05), np.float32), 0, 1)
        a = np.clip(flame * r.uniform(0.85, 1.0), 0, 1)[..., None]
        self.img = self.img * (1 - a) + colour * a
        ys, xs = np.nonzero(flame > 0.3)
        if len(xs) < 4:
            return None
        return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)


    # ---- tower view: distant ridges, small faint smoke, and what looks like it -------------------------------
    def paint_ridges(self, n: int) -> list[np.ndarray]:
        """Layered hills/mountains from far (pale, pulled to the sky colour) to near (darker). Returns each
        ridge's top line (y per column), far first."""
        r = self.rng
        x = np.arange(self.w, dtype=np.float32)
        yy = np.arange(self.h, dtype=np.float32)[:, None]
        sky_h = self.img[max(0, self.horizon - 2)].mean(axis=0)
        tops = []
        for k in range(n):
            base = self.horizon + k * r.uniform(0.02, 0.08) * self.h
            amp = r.uniform(0.01, 0.16 if k == 0 else 0.08) * self.h
            prof = np.zeros(self.w, np.float32)
            for octave in range(4):  # fractal ridge line
                period = self.w / (r.uniform(0.6, 1.6) * 2**octave)
                prof += np.sin(x / period * 2 * math.pi + r.uniform(0, 6)) / 2**octave
            prof += np.abs(_noise_field(r, 1, self.w, 6)[0] - 0.5) * 0.6
            top = base - amp * (prof - prof.min()) / max(1e-6, float(prof.max() - prof.min()))
            tops.append(top.astype(np.float32))
            near = (k + 1) / n
            tint = np.array(r.choice([(0.30, 0.36, 0.30), (0.38, 0.36, 0.30), (0.28, 0.32, 0.38), (0.35, 0.40, 0.28)]), np.float32)
            colour = _lerp(sky_h, tint * r.uniform(0.6, 1.2), r.uniform(0.25, 0.55) + 0.4 * near)
            tex = (_noise_field(r, self.h, self.w, int(r.integers(2, 6)))[..., None] - 0.5) * r.uniform(0.03, 0.12) * near
            m = _blur((yy > top[None, :]).astype(np.float32), 0.6)[..., None]
            self.img = self.img * (1 - m) + np.clip(colour + tex, 0, 1) * m
        self.treetop = np.minimum.reduce(tops) if tops else self.treetop
        return tops

    def paint_distant_smoke(self, x0: float, y0: float, width: float, occluder: np.ndarray) -> tuple[float, float, float, float] | None:
        """A small, faint plume far away: a column or a wind-sheared wisp rising from (x0, y0), hidden where
        y > occluder[x] (the ridge or tree line in front). width: rough visible width in pixels."""
        r = self.rng
        aspect = float(np.exp(r.uniform(np.log(0.35), np.log(3.0))))  # rise height / width
        rise = width * aspect
        drift = r.choice([-1, 1]) * max(0.0, width - r.uniform(0.15, 0.4) * width) * r.uniform(0.6, 1.0)
        bend = r.uniform(1.0, 3.0)  # >1: rises first, then levels off downwind
        r0, r1 = width * r.uniform(0.04, 0.12), width * r.uniform(0.12, 0.35)
        pad = int(rise + width + 4 * r1 + 6)
        xa, xb = int(max(0, x0 - pad)), int(min(self.w, x0 + pad))
        ya, yb = int(max(0, y0 - pad)), int(min(self.h, y0 + 8))
        if xb - xa < 3 or yb - ya < 3:
            return None
        yy, xx = np.mgrid[ya:yb, xa:xb].astype(np.float32)
        dens = np.zeros_like(xx)
        n = int(r.integers(25, 60))
        fade = r.uniform(0.3, 0.8)
        for i in range(n):
            t = (i + r.uniform(0, 1)) / n
            cy = y0 - rise * (1 - (1 - t) ** bend)
            cx = x0 + drift * t ** r.uniform(0.8, 1.6) + r.normal(0, width * 0.04)
            rad = (r0 + (r1 - r0) * t) * r.uniform(0.7, 1.3)
            puff = (1 - fade * t) * np.exp(-((xx - cx) ** 2 + ((yy - cy) * r.uniform(0.9, 1.6)) ** 2) / (2 * rad * rad))
            dens = np.maximum(dens, puff)  # densest at the source, thinning and widening as it rises
        turb = _noise_field(r, yb - ya, xb - xa, max(2, int(r1)))
        dens = dens / max(1e-6, float(dens.max())) * (0.45 + 0.55 * turb)
        dens = np.clip(dens / max(1e-6, float(dens.max())), 0, 1) ** r.uniform(0.8, 1.6)
        dens = dens * (yy <= occluder[None, xa:xb] + 0.5)
        if self.sky in ("night",):
            return None
        colour = np.array(r.choice([(0.85, 0.85, 0.85), (0.72, 0.72, 0.74), (0.62, 0.63, 0.66), (0.70, 0.66, 0.58), (0.55, 0.50, 0.45), (0.78, 0.80, 0.86)]), np.float32)
        sky_h = self.img[max(0, self.horizon - 3)].mean(axis=0)
        colour = _lerp(colour * r.uniform(0.85, 1.12), sky_h, r.uniform(0.0, 0.45))
        region = self.img[ya:yb, xa:xb]
        wsum = float(dens.sum())
        if wsum < 4:
            return None
        bg = (region * dens[..., None]).sum(axis=(0, 1)) / wsum
        diff = float(np.abs(colour - bg).mean())
        if diff < 0.08:  # same colour as what is behind: lighter over dark ground, darker over bright sky
            colour = np.clip(bg + (r.uniform(0.12, 0.3) if bg.mean() < 0.6 else -r.uniform(0.1, 0.25)), 0, 1).astype(np.float32)
            diff = float(np.abs(colour - bg).mean())
        # peak contrast against the background: faint but visible, as far plumes are
        opacity = min(0.9, r.uniform(0.07, 0.28) / max(diff, 1e-3))
        a = _blur(dens * opacity, r.uniform(0.0, 0.8))[..., None] if (xb - xa) > 4 else (dens * opacity)[..., None]
        self.img[ya:yb, xa:xb] = region * (1 - a) + colour * a
        vis = a[..., 0] * diff
        ys, xs = np.nonzero(vis > max(0.012, 0.2 * float(vis.max())))
        if len(xs) < 6:
            return None
        x1, y1, x2, y2 = xs.min() + xa, ys.min() + ya, xs.max() + xa + 1, ys.max() + ya + 1
        if x2 - x1 < 3 or y2 - y1 < 3:
            return None
        return float(x1), float(y1), float(x2), float(y2)

    def paint_small_clouds(self, n: int, skyline: np.ndarray):
        """Look-alikes: small cumulus puffs and cloud wisps just above the skyline, detached from the ground."""
        r = self.rng
        for _ in range(n):
            width = r.uniform(0.02, 0.15) * self.w
            cx = r.uniform(0, self.w)
            ground = float(skyline[int(np.clip(cx, 0, self.w - 1))])
            cy = ground - r.uniform(0.6, 4.0) * width * 0.3 - 2
            layer = np.zeros((self.h, self.w), np.float32)
            yy, xx = np.mgrid[0 : self.h, 0 : self.w].astype(np.float32)
            for _ in range(int(r.integers(3, 10))):
                bx, by = cx + r.normal(0, width / 3), cy + r.normal(0, width / 12)
                rx, ry = r.uniform(0.1, 0.35) * width, r.uniform(0.05, 0.15) * width
                layer = np.maximum(layer, np.exp(-(((xx - bx) / rx) ** 2 + ((yy - by) / ry) ** 2)))
            layer = layer * (yy < by + r.uniform(0, 0.05) * width)  # flat base
            layer = _blur(layer, r.uniform(0.5, 1.5)) * (0.6 + 0.4 * _noise_field(r, self.h, self.w, max(2, int(width / 4))))
            layer = layer * (yy <= skyline[None, :])
            g = r.uniform(0.7, 1.0)
            colour = np.array((g, g, g * r.uniform(0.97, 1.04)), np.float32)
            a = np.clip(layer * r.uniform(0.2, 0.8), 0, 1)[..., None]
            self.img = self.img * (1 - a) + colour * a

    def paint_valley_fog(self, n: int, tops: list[np.ndarray]):
        """Look-alikes: flat fog patches lying in the valleys in front of a ridge."""
        r = self.rng
        yy, xx = np.mgrid[0 : self.h, 0 : self.w].astype(np.float32)
        for _ in range(n):
            top = tops[int(r.integers(0, len(tops)))]
            cx = r.uniform(0, self.w)
            cy = float(top[int(np.clip(cx, 0, self.w - 1))]) + r.uniform(1, 8)
            rx, ry = r.uniform(0.05, 0.3) * self.w, r.uniform(1.5, 6)
            blob = np.exp(-(((xx - cx) / rx) ** 4 + ((yy - cy) / ry) ** 2)) * (0.6 + 0.4 * _noise_field(r, self.h, self.w, 8))
            colour = np.array((0.88, 0.89, 0.9), np.float32) * r.uniform(0.85, 1.05)
            a = np.clip(blob * r.uniform(0.2, 0.7), 0, 1)[..., None]
            self.img = self.img * (1 - a) + colour * a

    def paint_dust(self, n: int):
        """Look-alikes: low, flat, brownish dust along the ground (tracks, fields), not rising."""
        r = self.rng
        yy, xx = np.mgrid[0 : self.h, 0 : self.w].astype(np.float32)
        for _ in range(n):
            cx, cy = r.uniform(0, self.w), r.uniform(self.horizon + 3, self.h)
            rx, ry = r.uniform(0.03, 0.15) * self.w, r.uniform(1, 4)
            blob = np.exp(-(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2)) * (0.5 + 0.5 * _noise_field(r, self.h, self.w, 5))
            colour = np.array(r.choice([(0.7, 0.6, 0.45), (0.62, 0.55, 0.45), (0.75, 0.7, 0.6)]), np.float32)
            a = np.clip(blob * r.uniform(0.2, 0.6), 0, 1)[..., None]
            self.img = self.img * (1 - a) + colour * a

    def paint_overlay_text(self):
        """Camera on-screen text (name, date): a dark banner with white characters."""
        r = self.rng
        layer = Image.fromarray(np.clip(self.img * 255, 0, 255).astype(np.uint8))
        d = ImageDraw.Draw(layer)
        y = 0 if r.random() < 0.6 else self.h - 11
        if r.random() < 0.6:
            d.rectangle((0, y, self.w, y + 10), fill=(0, 0, 0))
        chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:/ "
        text = "".join(chars[int(i)] for i in r.integers(0, len(chars), int(r.integers(10, 40))))
        d.text((r.uniform(0, self.w * 0.3), y), text, fill=(255, 255, 255))
        self.img = np.asarray(layer, np.float32) / 255.0


def render_tower_scene(rng: np.random.Generator, size: int) -> tuple[np.ndarray, list[tuple[int, float, float, float, float]]]:
    """A fire-watch tower's view: layered ridges far away, often a tree line in front, haze; targets are small,
    faint, distant plumes (2-12 % of the frame width) rising from behind a ridge or the tree line. About a
    third of the scenes have no smoke but look-alikes: small clouds on the skyline, valley fog, haze, dust."""
    aspect = rng.choice([16 / 9, 4 / 3, 1.0], p=[0.6, 0.3, 0.1])
    # drawn at twice the size and shrunk, as a tower camera's 720p-1080p frame is shrunk to the model input:
    # thin wisps become sub-pixel, sensor noise averages out
    w, h = size * SUPERSAMPLE, int(round(size / aspect)) * SUPERSAMPLE
    s = Scene(rng, h, w)
    while s.sky == "night":
        s.sky = list(SKY_WEIGHTS)[int(rng.integers(0, len(SKY_WEIGHTS)))]
    s.horizon = int(h * rng.uniform(0.25, 0.6))
    s.paint_sky()
    if rng.random() < 0.3 or s.sky in ("sunset", "dusk"):
        s.paint_sun(glare=rng.random() < 0.4)
    if rng.random() < 0.6:
        s.paint_clouds(int(rng.integers(1, 5)))
    tops = s.paint_ridges(int(rng.integers(1, 5)))
    skyline = np.minimum.reduce(tops)
    forest = rng.random() < 0.6
    forest_line: np.ndarray | None = None
    if forest:  # a tree line in front, lower in the frame than the far ridges
        nearest = float(tops[-1].max())
        s.horizon = int(min(h - 4, nearest + rng.uniform(0.02, 0.25) * h))
    boxes: list[tuple[int, float, float, float, float]] = []
    want = rng.random() >= 0.35
    events = []
    if want:
        n = 1 if rng.random() < 0.75 else int(rng.integers(2, 4))
        for _ in range(n):
            frac = float(np.exp(rng.uniform(np.log(0.02), np.log(0.12))))
            events.append((rng.uniform(0.05, 0.95) * w, frac * w, rng.random() < 0.45 and forest))
    if forest:
        s.paint_forest()
        forest_line = s.treetop.copy()
        skyline = np.minimum(skyline, forest_line)
    # a plume rises from behind a ridge or from the tree line; whatever is in front hides its base
    for x0, width, from_trees in events:
        xi = int(np.clip(x0, 0, w - 1))
        if from_trees and forest_line is not None:
            y0, occluder = float(forest_line[xi]) + rng.uniform(0, 4), forest_line
        else:
            k = int(rng.integers(0, len(tops)))
            y0, occluder = float(tops[k][xi]) + rng.uniform(0, 6), np.minimum.reduce(tops[k:])
            if forest_line is not None:
                occluder = np.minimum(occluder, forest_line)
        b = s.paint_distant_smoke(x0, y0, width, occluder)
        if b:
            boxes.append((SMOKE, *b))
    if rng.random() < (0.6 if not want else 0.35):
        s.paint_small_clouds(int(rng.integers(1, 4)), skyline)
    if rng.random() < 0.3:
        s.paint_valley_fog(int(rng.integers(1, 3)), tops)
    if rng.random() < 0.2:
        s.paint_fog(rng.uniform(0.15, 0.45))
    if rng.random() < 0.2:
        s.paint_dust(int(rng.integers(1, 3)))
    if rng.random() < 0.6:
        s.paint_haze(rng.uniform(0.05, 0.35))
    if rng.random() < 0.25:
        s.paint_overlay_text()
    return _finish(rng, s, size, boxes, SUPERSAMPLE)


def render_scene(rng: np.random.Generator, size: int, tower_share: float = 0.0) -> tuple[np.ndarray, list[tuple[int, float, float, float, float]]]:
    """One training image (uint8 size x size x 3) and its boxes (class, x1, y1, x2, y2) in pixels: a tower view
    with small distant smoke (render_tower_scene) for `tower_share` of them, else a closer scene with large plumes
    and flames. With tower_share 0 (the default) no extra random number is drawn, so the scenes are exactly those
    the committed model was trained on."""
    if tower_share > 0 and rng.random() < tower_share:
        return render_tower_scene(rng, size)
    return render_close_scene(rng, size)


def render_close_scene(rng: np.random.Generator, size: int) -> tuple[np.ndarray, list[tuple[int, float, float, float, float]]]:
    """Sky, clouds, hills, tree line; large rising plumes and flames, orange look-alikes."""
    aspect = rng.choice([1.0, 16 / 9, 4 / 3], p=[0.4, 0.4, 0.2])
    w, h = size, int(round(size / aspect))
    s = Scene(rng, h, w)
    s.paint_sky()
    if rng.random() < 0.45 or s.sky in ("sunset", "dusk"):
        s.paint_sun(glare=rng.random() < 0.5)
    if rng.random() < 0.75:
        s.paint_clouds(int(rng.integers(1, 7)))
    if rng.random() < 0.4:
        s.paint_hills()
    s.paint_forest()
    if rng.random() < 0.3:
        s.paint_clouds(int(rng.integers(1, 3)), low=True)

    boxes: list[tuple[int, float, float, float, float]] = []
    kind = rng.random()  # 0.3 negatives, 0.3 smoke only, 0.15 fire only, 0.25 both
    want_smoke = 0.3 <= kind < 0.6 or kind >= 0.75
    want_fire = kind >= 0.6
    n_events = 1 if rng.random() < 0.8 else 2
    for _ in range(n_events if (want_smoke or want_fire) else 0):
        x0 = rng.uniform(0.05, 0.95) * w
        y0 = s._ground_y(x0) + rng.uniform(0, 3)
        scale = float(np.exp(rng.uniform(np.log(10), np.log(h * 0.6))))
        if want_smoke:
            b = s.paint_smoke(x0, y0, scale)
            if b:
                boxes.append((SMOKE, *b))
        if want_fire:
            fw = float(np.clip(scale * rng.uniform(0.15, 0.6), 3, w * 0.5))
            b = s.paint_fire(x0, y0, fw)
            if b:
                boxes.append((FIRE, *b))

    if rng.random() < 0.25:
        s.paint_fog(rng.uniform(0.3, 0.9))
    if rng.random() < 0.3:
        s.paint_haze(rng.uniform(0.1, 0.45))
    if rng.random() < 0.3:
        s.paint_orange_objects(int(rng.integers(1, 6)))
    if s.sky in ("night", "dusk") and rng.random() < 0.5:
        s.paint_lights(int(rng.integers(1, 8)))
    if rng.random() < 0.2 and s.sky not in ("night",):
        s.paint_sun(glare=True)

    return _finish(rng, s, size, boxes)


def _finish(rng: np.random.Generator, s: Scene, size: int, boxes: list, shrink: int = 1) -> tuple[np.ndarray, list[tuple[int, float, float, float, float]]]:
    """Sensor noise, shrinking to the model size (when drawn larger), JPEG compression at a random quality,
    letterboxing into the square input."""
    h = s.h // shrink
    img = s.img + rng.normal(0, rng.uniform(0.0, 0.03), s.img.shape).astype(np.float32)
    out = Image.fromarray(np.clip(img * 255, 0, 255).astype(np.uint8))
    if shrink > 1:
        out = out.resize((s.w // shrink, h), Image.BILINEAR)
        boxes = [(c, x1 / shrink, y1 / shrink, x2 / shrink, y2 / shrink) for c, x1, y1, x2, y2 in boxes]
    if rng.random() < 0.7:  # camera compression artefacts
        buf = io.BytesIO()
        out.save(buf, format="JPEG", quality=int(rng.integers(35, 92)))
        out = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    frame = np.asarray(out, np.uint8)
    canvas = np.full((size, size, 3), LETTERBOX_GRAY, np.uint8)
    top = (size - h) // 2
    canvas[top : top + h] = frame
    boxes = [(c, x1, y1 + top, x2, y2 + top) for c, x1, y1, x2, y2 in boxes if (x2 - x1) >= 2 and (y2 - y1) >= 2]
    return canvas, boxes


if __name__ == "__main__":  # preview: python3 synth.py OUTDIR N
    import sys

    out_dir, n = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(1)
    for i in range(n):
        img, boxes = render_scene(rng, 256)
        pil = Image.fromarray(img)
        d = ImageDraw.Draw(pil)
        for c, x1, y1, x2, y2 in boxes:
            d.rectangle((x1, y1, x2, y2), outline=(255, 0, 0) if c == FIRE else (0, 255, 255))
        pil.save(f"{out_dir}/scene_{i:03d}.png")
    print("ok")
