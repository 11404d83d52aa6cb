"""Turn an exported detector back into a torch state dict, to fine-tune a model of which only the ONNX is kept.

    /usr/bin/python3 models/train/from_onnx.py models/lookout-fire-smoke-256.onnx /tmp/committed.pt

The export folds each BatchNorm into the convolution before it (weights become `onnx::Conv_<n>`), so names do
not map; the Conv nodes do map one to one, in order, onto the model's convolutions in the order forward() calls
them. Each folded conv gets its BatchNorm back with statistics measured on a few images (so that training-mode
batch statistics start where the exported model is) and its scale and shift set so that the eval-mode output is
the exported one: BN(x) = (x - mu) / sigma * sigma + mu + b = x + b. Checked by exporting again and comparing
every folded weight and bias with the original (printed).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from model import Conv, Detector  # noqa: E402
from synth import render_scene  # noqa: E402


def conv_order(model: Detector, size: int) -> list[nn.Conv2d]:
    """The model's nn.Conv2d modules in the order forward() runs them."""
    order: list[nn.Conv2d] = []
    hooks = [m.register_forward_hook(lambda mod, _i, _o: order.append(mod)) for m in model.modules() if isinstance(m, nn.Conv2d)]
    model.eval()
    model.export_mode = True
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    model.export_mode = False
    for h in hooks:
        h.remove()
    return order


def onnx_convs(path: str) -> list[tuple[np.ndarray, np.ndarray]]:
    m = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    return [(inits[n.input[1]], inits[n.input[2]]) for n in m.graph.node if n.op_type == "Conv"]


def load_from_onnx(path: str, nc: int = 2, size: int = 256, calibration: int = 48) -> Detector:
    model = Detector(nc)
    order = conv_order(model, size)
    folded = onnx_convs(path)
    if len(order) != len(folded):
        raise SystemExit(f"{path}: {len(folded)} Conv nodes, the model has {len(order)} convolutions")
    bn_of = {id(m.conv): m.bn for m in model.modules() if isinstance(m, Conv)}
    for conv, (w, b) in zip(order, folded):
        if tuple(conv.weight.shape) != w.shape:
            raise SystemExit(f"{path}: Conv weight {w.shape} does not fit {tuple(conv.weight.shape)}")
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(w))
            bn = bn_of.get(id(conv))
            if bn is None:
                conv.bias.copy_(torch.from_numpy(b))
                continue
            bn.weight.fill_(1.0)
            bn.bias.copy_(torch.from_numpy(b))
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
    # measure each folded conv's output statistics on a few synthetic scenes (eval mode is now exact)
    rng = np.random.default_rng(12345)
    x = torch.from_numpy(np.stack([render_scene(rng, size)[0] for _ in range(calibration)])).permute(0, 3, 1, 2).float() / 255.0
    stats: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
    hooks = []
    for conv in order:
        if id(conv) in bn_of:
            def keep(mod, _i, out, key=id(conv)):
                stats[key] = (out.mean((0, 2, 3)), out.var((0, 2, 3), unbiased=False))
            hooks.append(conv.register_forward_hook(keep))
    model.eval()
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    with torch.no_grad():
        for conv in order:
            bn = bn_of.get(id(conv))
            if bn is None:
                continue
            mu, var = stats[id(conv)]
            var = var.clamp(min=1e-4)
            bn.running_mean.copy_(mu)
            bn.running_var.copy_(var - bn.eps)
            bn.weight.copy_(var.sqrt())
            bn.bias.add_(mu)
    return model


def check(path: str, model: Detector, size: int = 256) -> float:
    """Largest absolute difference between the original folded weights and those of a fresh export."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "again.onnx"
        model.eval()
        model.export_mode = True
        torch.onnx.export(model, torch.zeros(1, 3, size, size), str(out), opset_version=13, input_names=["images"], output_names=["output0"])
        model.export_mode = False
        again = onnx_convs(str(out))
    worst = 0.0
    for (w0, b0), (w1, b1) in zip(onnx_convs(path), again):
        worst = max(worst, float(np.abs(w0 - w1).max()), float(np.abs(b0 - b1).max()))
    return worst


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    torch.set_num_threads(2)
    m = load_from_onnx(src)
    print(f"largest difference between the folded weights of {src} and a re-export: {check(src, m):.2e}")
    torch.save(m.state_dict(), dst)
    print(f"wrote {dst}")
