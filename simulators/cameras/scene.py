"""Synthetic forest-watch scene for the camera simulator (numpy only, no GStreamer).

A camera on a tower looks over the melaleuca (tram) forest of Ca Mau: sky with haze near the horizon,
a far tree line (hazy) and a near tree line (dark, feathery crowns), swamp ground below. Clouds drift
across the sky. Scripted fires start at a place on the tree line: flickering orange/yellow flame
blobs and a grey-white plume that rises, widens and drifts with the wind. Distractors (a big passing
cloud, sun glare, fog, a sunset tint) are look-alikes a detector must not alarm on.

`Scene(spec).render(t)` is a pure function of the scene time `t` (seconds since the camera's scenario
start), so a restarted camera shows the same fire at the same age, and a snapshot can be rendered on
demand. This renderer is deliberately independent from the model's training-data generator in
models/ (see simulators/cameras/README.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

HAZE = np.array([0.80, 0.83, 0.84], dtype=np.float32)


@dataclass
class Fire:
    ignition_s: float
    x: float  # 0..1 across the frame
    size: float = 0.5  # flame scale at ignition (1.0 = flames about 6 % of the frame height)
    growth: float = 0.6  # scale gained per minute
    max_size: float = 1.6
    flames: bool = True
    smoke: bool = True
    depth: float = 0.0  # 0 = on the near tree line, 1 = on the far tree line

    def scale(self, t: float) -> float:
        age = t - self.ignition_s
        if age < 0:
            return 0.0
        return min(self.max_size, self.size + self.growth * age / 60.0)


@dataclass
class SceneSpec:
    width: int = 640
    height: int = 360
    seed: int = 1
    fires: list[Fire] = field(default_factory=list)
    distractors: list[str] = field(default_factory=list)
    wind: float = 1.0  # plume drift, +1 = to the right


def _fractal_noise(rng: np.random.Generator, h: int, w: int, octaves: int = 4, base: int = 6) -> np.ndarray:
    """Value noise: random grids upsampled bilinearly and summed, range about 0..1."""
    out = np.zeros((h, w), dtype=np.float32)
    amplitude, total = 1.0, 0.0
    for octave in range(octaves):
        cells_y = max(2, base * 2**octave * h // max(w, 1) + 2)
        cells_x = base * 2**octave + 2
        grid = rng.random((cells_y, cells_x), dtype=np.float32)
        ys = np.linspace(0, cells_y - 1.001, h, dtype=np.float32)
        xs = np.linspace(0, cells_x - 1.001, w, dtype=np.float32)
        y0, x0 = ys.astype(int), xs.astype(int)
        fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
        a = grid[y0][:, x0]
        b = grid[y0][:, x0 + 1]
        c = grid[y0 + 1][:, x0]
        d = grid[y0 + 1][:, x0 + 1]
        out += amplitude * ((a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy)
        total += amplitude
        amplitude *= 0.5
    return out / total


def _blend(img: np.ndarray, color: np.ndarray, alpha: np.ndarray) -> None:
    """In place: img = img * (1 - alpha) + color * alpha (alpha HxW, color 3 or HxWx3)."""
    a = alpha[..., None]
    img *= 1 - a
    img += color * a


class Scene:
    def __init__(self, spec: SceneSpec):
        self.spec = spec
        w, h = spec.width, spec.height
        rng = np.random.default_rng(spec.seed)
        self.rng_seed = spec.seed
        self.horizon = int(h * 0.56)
        xs = np.arange(w, dtype=np.float32)

        # Far tree line: low, smooth and hazy.
        far = self.horizon + 4 - 10 * _fractal_noise(rng, 1, w, octaves=3, base=10)[0] * h / 360
        # Near tree line: melaleuca crowns, narrow irregular tops over a fairly even canopy.
        crowns = np.zeros(w, dtype=np.float32)
        x = 0.0
        while x < w:
            width = rng.uniform(6, 18) * w / 640
            height = rng.uniform(8, 26) * h / 360
            centre = x + width / 2
            crowns = np.maximum(crowns, height * np.clip(1 - ((xs - centre) / (width / 2)) ** 2, 0, None) ** 0.6)
            x += width * rng.uniform(0.5, 0.9)
        near_base = self.horizon + 30 * h / 360 + 8 * np.sin(xs / w * 5 + spec.seed) * h / 360
        near = near_base - crowns
        self.far_top = far.astype(int)
        self.near_top = near.astype(int)

        ys = np.arange(h, dtype=np.float32)[:, None]
        # Sky: blue at the top to pale haze at the horizon.
        k = np.clip(ys / self.horizon, 0, 1) ** 1.6
        top = np.array([0.36, 0.55, 0.82], dtype=np.float32)
        sky = top * (1 - k[..., None]) + HAZE * k[..., None]
        img = np.broadcast_to(sky, (h, w, 3)).copy()

        texture = _fractal_noise(rng, h, w, octaves=4, base=40)
        far_mask = (ys >= far[None, :]).astype(np.float32)
        far_color = np.array([0.42, 0.50, 0.45], dtype=np.float32)
        _blend(img, far_color * (0.9 + 0.2 * texture[..., None]), far_mask)

        near_mask = (ys >= near[None, :]).astype(np.float32)
        depth = np.clip((ys - near_base[None, :]) / (h - near_base[None, :] + 1), 0, 1)
        canopy = np.array([0.16, 0.25, 0.12], dtype=np.float32)
        ground = np.array([0.22, 0.24, 0.13], dtype=np.float32)
        near_color = canopy * (1 - depth[..., None]) + ground * depth[..., None]
        # Feathery canopy texture: pale trunks and sunlit leaves in the noise.
        near_color = near_color * (0.65 + 0.7 * texture[..., None])
        _blend(img, near_color, near_mask)

        # Aerial haze near the horizon.
        haze = 0.35 * np.exp(-np.abs(ys - self.horizon) / (h * 0.08))
        _blend(img, HAZE, np.broadcast_to(haze, (h, w)).astype(np.float32))
        self.background = np.clip(img, 0, 1).astype(np.float32)
        self.sky_mask = (ys < np.minimum(far, near)[None, :]).astype(np.float32)

        cloud_h = self.horizon
        self.cloud_texture = _fractal_noise(rng, cloud_h, w * 2, octaves=5, base=8)
        self.big_cloud = _fractal_noise(rng, h // 3, w // 2, octaves=4, base=4)
        self.fog_texture = _fractal_noise(rng, h, w * 2, octaves=3, base=4)

        # Per-frame work kept small (a camera renders 5-10 frames/s): what does not move is computed here.
        rows = np.arange(cloud_h, dtype=np.float32)[:, None] / max(cloud_h, 1)
        self.cloud_alpha = (np.clip((self.cloud_texture - 0.52) * 3.2, 0, 0.85) * (1.0 - 0.6 * rows)).astype(np.float32)
        self.cloud_color = (0.93 + 0.07 * self.cloud_texture - 0.12 * rows)[..., None].astype(np.float32)
        fog_rows = np.clip((np.arange(h, dtype=np.float32) - self.horizon * 0.7) / (h * 0.35), 0, 1)[:, None]
        self.fog_base = (fog_rows * (0.6 + 0.6 * self.fog_texture)).astype(np.float32)
        self.sensor_noise = [rng.normal(0, 0.012, (h, w, 1)).astype(np.float32) for _ in range(7)]
        self.glare_alpha: np.ndarray | None = None

    # ----------------------------------------------------------------------------------------------
    def render(self, t: float, width: int | None = None, height: int | None = None) -> np.ndarray:
        """The frame at scene time t as uint8 RGB (H, W, 3)."""
        spec = self.spec
        img = self.background.copy()
        self._clouds(img, t)
        if 'sunset' in spec.distractors:
            self._sunset(img)
        if 'clouds' in spec.distractors:
            self._passing_cloud(img, t)
        for fire in spec.fires:
            scale = fire.scale(t)
            if scale > 0:
                self._fire(img, fire, scale, t)
        if 'glare' in spec.distractors:
            self._glare(img, t)
        if 'fog' in spec.distractors:
            self._fog(img, t)
        # Sensor noise, changing every frame (a cycle of precomputed fields).
        img += self.sensor_noise[int(t * 10) % len(self.sensor_noise)]
        out = (np.clip(img, 0, 1) * 255).astype(np.uint8)
        if width and height and (width, height) != (spec.width, spec.height):
            ys = (np.arange(height) * spec.height / height).astype(int)
            xs = (np.arange(width) * spec.width / width).astype(int)
            out = out[ys][:, xs]
        return out

    def _clouds(self, img: np.ndarray, t: float) -> None:
        w = self.spec.width
        shift = int(t * 3 * w / 640) % w
        alpha = self.cloud_alpha[:, shift : shift + w] * self.sky_mask[: self.horizon]
        _blend(img[: self.horizon], self.cloud_color[:, shift : shift + w], alpha)

    def _passing_cloud(self, img: np.ndarray, t: float) -> None:
        """A large low grey cloud crossing the frame: a smoke look-alike that is not rooted at the tree line."""
        h, w = self.spec.height, self.spec.width
        ch, cw = self.big_cloud.shape
        x0 = int((t * 8 * w / 640) % (w + cw)) - cw
        y0 = int(h * 0.12)
        yy = np.linspace(-1, 1, ch, dtype=np.float32)[:, None]
        xx = np.linspace(-1, 1, cw, dtype=np.float32)[None, :]
        envelope = np.clip(1 - (xx**2 + (yy * 1.6) ** 2), 0, 1)
        alpha = np.clip((self.big_cloud * envelope - 0.15) * 2.5, 0, 0.9).astype(np.float32)
        xa, xb = max(0, x0), min(w, x0 + cw)
        if xb <= xa:
            return
        alpha = alpha[:, xa - x0 : xb - x0] * self.sky_mask[y0 : y0 + ch, xa:xb]
        color = np.array([0.74, 0.76, 0.80], dtype=np.float32)
        _blend(img[y0 : y0 + ch, xa:xb], color, alpha)

    def _sunset(self, img: np.ndarray) -> None:
        h = self.spec.height
        rows = np.clip(np.arange(h, dtype=np.float32) / self.horizon, 0, 1) ** 2
        alpha = (0.45 * rows)[:, None] * self.sky_mask
        _blend(img, np.array([0.98, 0.55, 0.25], dtype=np.float32), alpha.astype(np.float32))

    def _glare(self, img: np.ndarray, t: float) -> None:
        """Low sun just above the tree line with a bright halo and a flare streak (static: computed once)."""
        if self.glare_alpha is None:
            h, w = self.spec.height, self.spec.width
            cx, cy = w * 0.78, self.horizon - h * 0.10
            ys = np.arange(h, dtype=np.float32)[:, None]
            xs = np.arange(w, dtype=np.float32)[None, :]
            d2 = ((xs - cx) ** 2 + (ys - cy) ** 2) / (h * 0.05) ** 2
            halo = np.exp(-d2 * 0.15) * 0.8 + np.exp(-d2 * 3) * 0.9
            streak = np.exp(-((ys - cy) ** 2) / (h * 0.006) ** 2) * np.exp(-np.abs(xs - cx) / (w * 0.25)) * 0.5
            self.glare_alpha = np.clip(halo + streak, 0, 1).astype(np.float32)
        # Shimmer: the halo breathes a little.
        _blend(img, np.array([1.0, 0.97, 0.85], dtype=np.float32), self.glare_alpha * np.float32(0.92 + 0.08 * math.sin(t * 1.3)))

    def _fog(self, img: np.ndarray, t: float) -> None:
        w = self.spec.width
        shift = int(t * 4 * w / 640) % w
        density = np.float32(0.45 + 0.2 * math.sin(t / 20))
        alpha = np.minimum(self.fog_base[:, shift : shift + w] * density, np.float32(0.92))
        _blend(img, np.array([0.86, 0.87, 0.88], dtype=np.float32), alpha)

    def _fire(self, img: np.ndarray, fire: Fire, scale: float, t: float) -> None:
        h, w = self.spec.height, self.spec.width
        cx = int(np.clip(fire.x, 0.02, 0.98) * w)
        near_y = float(self.near_top[cx])
        far_y = float(self.far_top[cx])
        base_y = near_y + (far_y - near_y) * fire.depth + 2
        unit = h * 0.06 * scale * (1 - 0.5 * fire.depth)
        age = t - fire.ignition_s
        if fire.smoke:
            self._smoke(img, cx, base_y, unit, age, t)
        if fire.flames:
            self._flames(img, cx, base_y, unit, t)

    def _smoke(self, img: np.ndarray, cx: float, base_y: float, unit: float, age: float, t: float) -> None:
        h, w = self.spec.height, self.spec.width
        wind = self.spec.wind
        plume_len = min(h * 0.55, unit * 2 + h * 0.05 * math.sqrt(max(age, 0) + 1))
        puffs = 16
        spacing = plume_len / puffs
        rise = unit * 0.8 + 4  # px per second
        phase = (t * rise) % spacing
        for i in range(puffs + 1):
            height_above = i * spacing + phase
            if height_above > plume_len:
                continue
            f = height_above / plume_len
            py = base_y - unit * 0.6 - height_above
            px = cx + wind * (height_above**1.25) * 0.22 + 3 * math.sin(t * 0.7 + i)
            radius = unit * 0.5 + height_above * 0.28
            opacity = 0.8 * (1 - f) ** 1.1 + 0.08
            shade = 0.56 + 0.32 * f  # darker near the fire, whiter as it rises
            self._soft_disc(img, px, py, radius, opacity, np.array([shade, shade, shade * 1.01], dtype=np.float32))

    def _flames(self, img: np.ndarray, cx: float, base_y: float, unit: float, t: float) -> None:
        frame = int(t * 10)
        rng = np.random.default_rng((int(cx) * 7919 + frame) & 0xFFFFFFFF)
        # Glow on the canopy around the fire.
        self._soft_disc(img, cx, base_y, unit * 1.6, 0.35, np.array([1.0, 0.45, 0.1], dtype=np.float32))
        tongues = 4 + int(unit / 8)
        spread = unit * 1.4
        for i in range(tongues):
            offset = (i / max(1, tongues - 1) - 0.5) if tongues > 1 else 0.0
            dx = offset * spread + rng.normal(0, unit * 0.08)
            height = unit * rng.uniform(0.6, 1.7) * (1 - abs(offset) * 0.7)
            width = unit * rng.uniform(0.14, 0.3)
            lean = self.spec.wind * unit * rng.uniform(0.05, 0.35)
            self._flame_tongue(img, cx + dx, base_y, width, height, lean, float(rng.uniform(0, 6.28)))

    def _flame_tongue(self, img: np.ndarray, cx: float, base_y: float, width: float, height: float, lean: float, phase: float) -> None:
        """One licking flame: ragged edges that change every frame, leaning with the wind, hot core at the base."""
        h, w = self.spec.height, self.spec.width
        reach = width + abs(lean) + 1
        x0, x1 = int(max(0, cx - reach)), int(min(w, cx + reach + 1))
        y0, y1 = int(max(0, base_y - height)), int(min(h, base_y + width * 0.3 + 1))
        if x1 <= x0 or y1 <= y0:
            return
        ys = np.arange(y0, y1, dtype=np.float32)[:, None]
        xs = np.arange(x0, x1, dtype=np.float32)[None, :]
        v = np.clip((base_y - ys) / height, 0, 1)  # 0 at the base, 1 at the tip
        centre = cx + lean * v**1.5
        ragged = 0.8 + 0.35 * np.sin(v * 9 + phase) * np.sin(v * 4.3 + phase * 1.7)
        half_width = width * (1 - v) ** 0.7 * ragged + 0.5
        inside = np.clip(1 - np.abs(xs - centre) / half_width, 0, 1)
        alpha = np.clip(inside * 2.2, 0, 1) * np.clip((1 - v) * 2.5, 0, 1)
        core = np.clip(inside * 2 - 0.8, 0, 1) * (1 - v) ** 0.8
        # Deep orange-red edges, yellow-white core.
        green = 0.35 + 0.6 * core
        blue = 0.05 + 0.6 * core**2
        red = 0.92 + 0.08 * core
        color = np.stack([red, green, blue], axis=-1).astype(np.float32)
        _blend(img[y0:y1, x0:x1], color, alpha.astype(np.float32))

    def _soft_disc(self, img: np.ndarray, cx: float, cy: float, radius: float, opacity: float, color: np.ndarray) -> None:
        h, w = self.spec.height, self.spec.width
        r = max(radius, 1.0)
        x0, x1 = int(max(0, cx - 2 * r)), int(min(w, cx + 2 * r + 1))
        y0, y1 = int(max(0, cy - 2 * r)), int(min(h, cy + 2 * r + 1))
        if x1 <= x0 or y1 <= y0:
            return
        # A Gaussian is separable: outer product of two 1-D profiles instead of a 2-D exp.
        ey = np.exp(-(((np.arange(y0, y1, dtype=np.float32) - cy) / r) ** 2)) * np.float32(opacity)
        ex = np.exp(-(((np.arange(x0, x1, dtype=np.float32) - cx) / r) ** 2))
        _blend(img[y0:y1, x0:x1], color, np.outer(ey, ex))


def scene_from_json(spec: dict) -> Scene:
    fires = [
        Fire(
            ignition_s=float(f.get('ignitionS', 0)),
            x=float(f.get('x', 0.5)),
            size=float(f.get('size', 0.5)),
            growth=float(f.get('growth', 0.6)),
            max_size=float(f.get('maxSize', 1.6)),
            flames=bool(f.get('flames', True)),
            smoke=bool(f.get('smoke', True)),
            depth=float(f.get('depth', 0.0)),
        )
        for f in spec.get('fires', [])
    ]
    return Scene(
        SceneSpec(
            width=int(spec.get('width', 640)),
            height=int(spec.get('height', 360)),
            seed=int(spec.get('seed', 1)),
            fires=fires,
            distractors=list(spec.get('distractors', [])),
            wind=float(spec.get('wind', 1.0)),
        )
    )


def write_video(scene: Scene, out: str, every_s: float, duration_s: float) -> int:
    """Renders the scene every `every_s` seconds of scene time for `duration_s` into an H.264 file whose frame
    rate is 1/every_s, so that a reader at that rate sees each rendered moment once (a tower camera analysed
    every few seconds, minutes of scene time in seconds). Returns the number of frames."""
    import subprocess

    spec = scene.spec
    count = int(duration_s // every_s) + 1
    ffmpeg = subprocess.Popen(
        ['ffmpeg', '-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', f'{spec.width}x{spec.height}',
         '-framerate', f'1/{every_s:g}', '-i', 'pipe:0', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', out],
        stdin=subprocess.PIPE,
    )
    assert ffmpeg.stdin is not None
    for i in range(count):
        ffmpeg.stdin.write(scene.render(i * every_s).tobytes())
    ffmpeg.stdin.close()
    if ffmpeg.wait() != 0:
        raise SystemExit(f'ffmpeg failed writing {out}')
    return count


if __name__ == '__main__':
    # Preview: python3 scene.py out.png '{"fires":[{"ignitionS":0,"x":0.4}]}' [t]
    # Video:   python3 scene.py out.mp4 '{"distractors":["clouds","glare"]}' --every 5 --duration 1800
    import argparse
    import json

    parser = argparse.ArgumentParser(description='Render a camera simulator scene to a PNG (at time t) or an MP4.')
    parser.add_argument('out')
    parser.add_argument('spec', nargs='?', default='{}', help='scene JSON: fires, distractors, wind, seed, width, height')
    parser.add_argument('t', nargs='?', type=float, default=30.0, help='scene time of a PNG, seconds')
    parser.add_argument('--every', type=float, default=5.0, help='video: seconds of scene time between frames')
    parser.add_argument('--duration', type=float, default=600.0, help='video: seconds of scene time')
    args = parser.parse_args()
    scene = scene_from_json(json.loads(args.spec))
    if args.out.endswith('.mp4'):
        print(write_video(scene, args.out, args.every, args.duration))
    else:
        from PIL import Image

        Image.fromarray(scene.render(args.t)).save(args.out)
