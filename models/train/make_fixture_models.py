"""Tiny ONNX models with a fixed output, for the detector's decoding tests (tests/fire/fixtures/).

    /usr/bin/python3 models/train/make_fixture_models.py

Each model takes images [B, 3, 64, 64] and returns a constant tensor (plus 0 x the input mean, so the input is
used): one in the YOLOv8 layout [1, 4+C, N], one in the YOLOv5 layout [1, N, 5+C]. Boxes are in input pixels.
"""

from pathlib import Path

import torch

OUT = Path(__file__).resolve().parents[2] / "tests" / "fire" / "fixtures"


class Constant(torch.nn.Module):
    def __init__(self, value: torch.Tensor):
        super().__init__()
        self.register_buffer("value", value)

    def forward(self, x):
        return self.value + x.mean() * 0


def export(name: str, value: torch.Tensor) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(Constant(value), torch.zeros(1, 3, 64, 64), str(OUT / name), opset_version=13, input_names=["images"], output_names=["output0"])


# YOLOv8: rows cx, cy, w, h, fire, smoke; 3 anchors. Anchor 0 = fire at (32, 24) 16x8, anchor 1 = smoke
# overlapping anchor 2 (same class, lower score: removed by NMS).
v8 = torch.tensor(
    [
        [32.0, 10.0, 11.0],
        [24.0, 40.0, 41.0],
        [16.0, 10.0, 10.0],
        [8.0, 12.0, 12.0],
        [0.9, 0.0, 0.1],
        [0.1, 0.8, 0.7],
    ]
).unsqueeze(0)
export("yolov8-2class.onnx", v8)

# YOLOv5: one row per anchor: cx, cy, w, h, objectness, class scores (1 class, as a smoke-only model).
v5 = torch.tensor([[[32.0, 32.0, 20.0, 10.0, 0.9, 0.8], [5.0, 5.0, 4.0, 4.0, 0.1, 0.9]]])
export("yolov5-1class.onnx", v5)
print("wrote", OUT)
