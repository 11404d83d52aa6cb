"""A small anchor-free YOLO-style detector (YOLOv8-like: C2f blocks, PAN neck, decoupled heads, strides 8/16/32).

Exported output is the Ultralytics YOLOv8 layout [B, 4 + C, N]: rows 0..3 = box centre x, centre y, width,
height in input pixels; rows 4.. = per-class scores after a sigmoid (no separate objectness).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

STRIDES = (8, 16, 32)


class Conv(nn.Module):
    def __init__(self, c1: int, c2: int, k: int = 3, s: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.cv1, self.cv2 = Conv(c, c, 3), Conv(c, c, 3)

    def forward(self, x):
        return x + self.cv2(self.cv1(x))


class C2f(nn.Module):
    def __init__(self, c1: int, c2: int, n: int = 1):
        super().__init__()
        self.c = c2 // 2
        self.cv1 = Conv(c1, 2 * self.c, 1)
        self.m = nn.ModuleList(Bottleneck(self.c) for _ in range(n))
        self.cv2 = Conv((2 + n) * self.c, c2, 1)

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        for m in self.m:
            y.append(m(y[-1]))
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.cv1, self.cv2 = Conv(c, c // 2, 1), Conv(c * 2, c, 1)
        self.pool = nn.MaxPool2d(5, 1, 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.pool(x)
        y2 = self.pool(y1)
        return self.cv2(torch.cat([x, y1, y2, self.pool(y2)], 1))


class Head(nn.Module):
    """Light decoupled head: one shared 3x3 conv, then a 3x3 + 1x1 box branch and a 1x1 class branch."""

    def __init__(self, c: int, nc: int, hidden: int = 32):
        super().__init__()
        self.stem = Conv(c, hidden)
        self.reg = nn.Sequential(Conv(hidden, hidden), nn.Conv2d(hidden, 4, 1))
        self.cls = nn.Sequential(Conv(hidden, hidden, 1), nn.Conv2d(hidden, nc, 1))
        nn.init.constant_(self.cls[-1].bias, -4.6)  # start with p(class) ~ 0.01
        nn.init.constant_(self.reg[-1].bias, 1.0)

    def forward(self, x):
        x = self.stem(x)
        return self.reg(x), self.cls(x)


class Detector(nn.Module):
    def __init__(self, nc: int = 2, w: tuple[int, ...] = (16, 24, 48, 96, 128)):
        super().__init__()
        self.nc = nc
        self.export_mode = False
        self.stem = Conv(3, w[0], 3, 2)
        self.s2 = nn.Sequential(Conv(w[0], w[1], 3, 2), C2f(w[1], w[1], 1))
        self.s3 = nn.Sequential(Conv(w[1], w[2], 3, 2), C2f(w[2], w[2], 2))
        self.s4 = nn.Sequential(Conv(w[2], w[3], 3, 2), C2f(w[3], w[3], 2))
        self.s5 = nn.Sequential(Conv(w[3], w[4], 3, 2), C2f(w[4], w[4], 1), SPPF(w[4]))
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.n4 = C2f(w[4] + w[3], w[3], 1)
        self.n3 = C2f(w[3] + w[2], w[2], 1)
        self.d3 = Conv(w[2], w[2], 3, 2)
        self.o4 = C2f(w[2] + w[3], w[3], 1)
        self.d4 = Conv(w[3], w[3], 3, 2)
        self.o5 = C2f(w[3] + w[4], w[4], 1)
        self.heads = nn.ModuleList([Head(w[2], nc), Head(w[3], nc), Head(w[4], nc)])

    def features(self, x):
        p3 = self.s3(self.s2(self.stem(x)))
        p4 = self.s4(p3)
        p5 = self.s5(p4)
        n4 = self.n4(torch.cat([self.up(p5), p4], 1))
        n3 = self.n3(torch.cat([self.up(n4), p3], 1))
        o4 = self.o4(torch.cat([self.d3(n3), n4], 1))
        o5 = self.o5(torch.cat([self.d4(o4), p5], 1))
        return [n3, o4, o5]

    def forward(self, x):
        """Training: (boxes xyxy [B,N,4] in pixels, class logits [B,N,C], anchor points [N,2], strides [N]).
        Export: [B, 4 + C, N] with cx, cy, w, h and sigmoid scores."""
        regs, clss, points, strides = [], [], [], []
        for feat, head, s in zip(self.features(x), self.heads, STRIDES):
            reg, cls = head(feat)
            b, _, h, w = reg.shape
            regs.append(reg.flatten(2))
            clss.append(cls.flatten(2))
            ys, xs = torch.meshgrid(torch.arange(h, dtype=x.dtype), torch.arange(w, dtype=x.dtype), indexing="ij")
            points.append(torch.stack([(xs + 0.5) * s, (ys + 0.5) * s], -1).reshape(-1, 2))
            strides.append(torch.full((h * w,), float(s), dtype=x.dtype))
        reg = torch.cat(regs, 2)  # [B,4,N]
        cls = torch.cat(clss, 2)  # [B,C,N]
        pts = torch.cat(points, 0)  # [N,2]
        st = torch.cat(strides, 0)  # [N]
        ltrb = F.softplus(reg) * st[None, None, :]
        x1 = pts[None, :, 0] - ltrb[:, 0]
        y1 = pts[None, :, 1] - ltrb[:, 1]
        x2 = pts[None, :, 0] + ltrb[:, 2]
        y2 = pts[None, :, 1] + ltrb[:, 3]
        if self.export_mode:
            box = torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], 1)  # [B,4,N]
            return torch.cat([box, cls.sigmoid()], 1)
        return torch.stack([x1, y1, x2, y2], -1), cls.transpose(1, 2), pts, st


def ema_of(model: Detector) -> Detector:
    """A frozen copy of the model whose weights follow it as an exponential moving average (ema_update)."""
    ema = Detector(model.nc)
    ema.load_state_dict(model.state_dict())
    for p in ema.parameters():
        p.requires_grad_(False)
    return ema


@torch.no_grad()
def ema_update(ema: Detector, model: Detector, decay: float) -> None:
    """ema = decay * ema + (1 - decay) * model for floating-point tensors; the others (counters) are copied."""
    for pe, pm in zip(ema.state_dict().values(), model.state_dict().values()):
        if pe.dtype.is_floating_point:
            pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
        else:
            pe.copy_(pm)


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU matrix between xyxy boxes a [M,4] and b [N,4]."""
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).clamp(min=0).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).clamp(min=0).prod(-1)
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-7)


def giou_loss(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """1 - GIoU for paired xyxy boxes [K,4]."""
    lt = torch.max(p[:, :2], t[:, :2])
    rb = torch.min(p[:, 2:], t[:, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    ap = (p[:, 2:] - p[:, :2]).clamp(min=0).prod(-1)
    at = (t[:, 2:] - t[:, :2]).clamp(min=0).prod(-1)
    union = ap + at - inter + 1e-7
    iou = inter / union
    clt = torch.min(p[:, :2], t[:, :2])
    crb = torch.max(p[:, 2:], t[:, 2:])
    carea = (crb - clt).clamp(min=0).prod(-1) + 1e-7
    return 1 - (iou - (carea - union) / carea)


def assign(pred_box, pred_logit, pts, st, gt_box, gt_cls, nc):
    """SimOTA-style dynamic assignment for one image. Returns (pos index [K], gt index [K], IoU [K])."""
    m = gt_box.shape[0]
    centre = (gt_box[:, :2] + gt_box[:, 2:]) / 2
    inside = (pts[None, :, 0] > gt_box[:, None, 0]) & (pts[None, :, 0] < gt_box[:, None, 2]) & (pts[None, :, 1] > gt_box[:, None, 1]) & (pts[None, :, 1] < gt_box[:, None, 3])
    radius = 2.5 * st[None, :]
    near = ((pts[None, :, 0] - centre[:, None, 0]).abs() < radius) & ((pts[None, :, 1] - centre[:, None, 1]).abs() < radius)
    cand = inside | near
    with torch.no_grad():
        iou = box_iou(gt_box, pred_box)  # [M,N]
        scores = pred_logit.sigmoid()[:, gt_cls].T  # [M,N]
        cls_cost = F.binary_cross_entropy(scores.clamp(1e-6, 1 - 1e-6), torch.ones_like(scores), reduction="none")
        cost = cls_cost + 3.0 * -torch.log(iou + 1e-7) + 1e5 * (~cand) + 1e3 * (~(inside & near))
        k = torch.clamp(torch.topk(iou * cand, min(10, iou.shape[1]), 1).values.sum(1).int(), min=1)
        match = torch.zeros_like(cost, dtype=torch.bool)
        for g in range(m):
            idx = torch.topk(cost[g], int(k[g]), largest=False).indices
            match[g, idx] = True
        match &= cand
        multi = match.sum(0) > 1
        if multi.any():
            best = cost[:, multi].argmin(0)
            match[:, multi] = False
            match[best, multi.nonzero().squeeze(1)] = True
        pos = match.any(0).nonzero().squeeze(1)
        gi = match[:, pos].float().argmax(0)
        return pos, gi, iou[gi, pos]


def detection_loss(out, targets, nc, class_masks):
    """targets: list of (boxes [M,4] xyxy, classes [M]); class_masks [B,C] = 0 where a class is unlabelled."""
    boxes, logits, pts, st = out
    b = boxes.shape[0]
    cls_t = torch.zeros_like(logits)
    box_losses, npos = [], 0
    for i in range(b):
        gt_box, gt_cls = targets[i]
        if gt_box.shape[0] == 0:
            continue
        pos, gi, iou = assign(boxes[i].detach(), logits[i].detach(), pts, st, gt_box, gt_cls, nc)
        if pos.numel() == 0:
            continue
        cls_t[i, pos, gt_cls[gi]] = iou.clamp(min=0.3)
        box_losses.append(giou_loss(boxes[i, pos], gt_box[gi]))
        npos += pos.numel()
    weight = class_masks[:, None, :].expand_as(logits)
    cls_loss = (F.binary_cross_entropy_with_logits(logits, cls_t, reduction="none") * weight).sum() / max(1, npos)
    box_loss = torch.cat(box_losses).sum() / max(1, npos) if box_losses else logits.sum() * 0
    return cls_loss + 5.0 * box_loss, cls_loss.detach(), box_loss.detach()
