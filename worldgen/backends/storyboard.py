"""The storyboard backend: renders segment plans on the CPU, deterministically.

The default world model, and the picture players see without a GPU model: the
location's backdrop, every entity as a figure drawn from its appearance at its
layout position and pose, name labels, speech bubbles, hit and damage effects,
gentle ambient motion, and cross-fades between plans at one location.
"""

from __future__ import annotations

import math
import random
import textwrap
from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from worldgen.backends.base import Frame, WorldBackend, crossfade
from worldgen.plan import PlanEntity, SegmentPlan
from worldgen.storyboard.backdrops import backdrop
from worldgen.storyboard.figures import sprite
from worldgen.storyboard.palette import has, size_of

EFFECT_FRAMES = 14


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=256)
def _label(text: str, size: int) -> Image.Image:
    font = _font(size)
    box = ImageDraw.Draw(Image.new("RGBA", (1, 1))).textbbox((0, 0), text, font=font)
    img = Image.new("RGBA", (box[2] - box[0] + 8, box[3] - box[1] + 6), (0, 0, 0, 150))
    ImageDraw.Draw(img).text((4, 2 - box[1]), text, font=font, fill=(255, 255, 255))
    return img


@lru_cache(maxsize=128)
def _bubble(text: str, size: int, max_chars: int) -> Image.Image:
    font = _font(size)
    lines = textwrap.wrap(text, max_chars)[:4] or [""]
    draw = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    width = max(draw.textbbox((0, 0), line, font=font)[2] for line in lines) + 16
    line_h = size + 4
    img = Image.new("RGBA", (width, line_h * len(lines) + 18), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([0, 0, width - 1, line_h * len(lines) + 10], radius=8, fill=(255, 255, 250, 235),
                        outline=(40, 40, 40))
    d.polygon([(14, line_h * len(lines) + 9), (26, line_h * len(lines) + 9), (12, line_h * len(lines) + 17)],
              fill=(255, 255, 250, 235))
    for i, line in enumerate(lines):
        d.text((8, 5 + i * line_h), line, font=font, fill=(20, 20, 20))
    return img


def _motion(entity: PlanEntity, frame: int, fps: int) -> tuple[int, int]:
    """Small per-pose offsets in pixels; each entity has its own phase so the scene breathes."""
    t = frame / max(1, fps)
    phase = (sum(map(ord, entity.id)) % 17) / 17 * math.tau
    pose = entity.pose
    if pose == "fallen":
        return 0, 0
    if pose == "fighting":
        return int(6 * math.sin(t * 7 + phase)), int(-3 * abs(math.sin(t * 7 + phase)))
    if pose == "walking":
        return int(4 * math.sin(t * 3 + phase)), int(-3 * abs(math.sin(t * 9 + phase)))
    if entity.kind in ("monster", "entity"):
        return 0, int(4 * math.sin(t * 1.3 + phase))
    if entity.kind == "item":
        return 0, 0
    return 0, int(round(1.5 * math.sin(t * 2.2 + phase)))


class StoryboardBackend(WorldBackend):
    name = "storyboard"

    def render(self, plan: SegmentPlan, history: Sequence[Frame]) -> Iterator[Frame]:
        scene = _Scene(plan)
        blend = plan.transition.frames if plan.transition.kind == "blend" and history else 0
        last = history[-1] if history else None
        for i in range(plan.frames):
            frame = scene.frame(i)
            if last is not None and i < blend:
                frame = crossfade(last, frame, (i + 1) / (blend + 1))
            yield frame


class _Scene:
    """Everything about one plan that does not change from frame to frame."""

    def __init__(self, plan: SegmentPlan):
        self.plan = plan
        w, h = plan.width, plan.height
        self.background = Image.fromarray(backdrop(plan.backdrop, plan.style, plan.seed, w, h))
        self.rng_seed = plan.seed
        self.items: list[tuple[PlanEntity, Image.Image, Image.Image | None]] = []
        for e in sorted(plan.entities, key=lambda e: (e.layout.y, e.kind != "monster")):
            height = max(10, int(min(0.95, e.layout.scale * size_of(e.appearance)) * h))
            body = sprite(e.id, e.kind, e.appearance, e.pose, height)
            label = _label(e.name, max(10, h // 30)) if e.kind != "item" else None
            self.items.append((e, body, label))
        self.title = _label(plan.location_name, max(12, h // 24))
        self.rain = has(plan.backdrop, "rain", "umbrella", "downpour")
        self.sparks = has(plan.backdrop, "firefly", "spark", "dust", "moss", "ember")

    def frame(self, i: int) -> Frame:
        plan, w, h = self.plan, self.plan.width, self.plan.height
        img = self.background.copy()
        draw = ImageDraw.Draw(img, "RGBA")
        self._ambient(draw, i)
        for e, body, label in self.items:
            dx, dy = _motion(e, i, plan.fps)
            x = int(e.layout.x * w) - body.width // 2 + dx
            y = int(e.layout.y * h) - body.height + dy
            if e.effect == "appeared" and i < EFFECT_FRAMES:
                faded = body.copy()
                faded.putalpha(faded.getchannel("A").point(lambda a, k=(i + 1) / EFFECT_FRAMES: int(a * k)))
                body = faded
            draw.ellipse([x + body.width // 6, y + body.height - 4, x + body.width * 5 // 6, y + body.height + 4],
                         fill=(0, 0, 0, 70))
            img.paste(body, (x, y), body)
            self._effect(draw, e, x, y, body, i)
            if label is not None:
                img.paste(label, (int(e.layout.x * w) - label.width // 2, min(h - label.height, y + body.height + 3)),
                          label)
            if e.hp is not None and e.hp < 1:
                self._hp_bar(draw, e, x + body.width // 2, y - 8)
            if e.speech:
                bubble = _bubble(e.speech, max(10, h // 28), 34)
                bx = min(max(0, x + body.width // 2 - 14), w - bubble.width)
                img.paste(bubble, (bx, max(0, y - bubble.height - 10)), bubble)
        img.paste(self.title, (8, 8), self.title)
        return np.asarray(img)

    def _ambient(self, draw: ImageDraw.ImageDraw, i: int) -> None:
        w, h = self.plan.width, self.plan.height
        if self.rain:
            rng = random.Random(self.rng_seed + i)
            for _ in range(70):
                x, y = rng.randrange(w), rng.randrange(h)
                draw.line([(x, y), (x - 3, y + 12)], fill=(180, 190, 220, 110), width=1)
        if self.sparks:
            for k in range(18):
                x = (k * 97 + i * (1 + k % 3)) % w
                y = int(h * 0.5 + h * 0.3 * math.sin(k * 1.7 + i / 20))
                draw.ellipse([x, y, x + 3, y + 3], fill=(220, 255, 160, 150 + int(90 * math.sin(i / 6 + k))))

    def _effect(self, draw: ImageDraw.ImageDraw, e: PlanEntity, x: int, y: int, body: Image.Image, i: int) -> None:
        if e.effect is None or i >= EFFECT_FRAMES * 2:
            return
        cx, cy = x + body.width // 2, y + body.height // 3
        k = i / (EFFECT_FRAMES * 2)
        if e.effect in ("hit", "damage", "defeated"):
            r = int(10 + 30 * k)
            for a in range(8):
                ang = a * math.tau / 8
                draw.line([(cx + math.cos(ang) * r * 0.4, cy + math.sin(ang) * r * 0.4),
                           (cx + math.cos(ang) * r, cy + math.sin(ang) * r)], fill=(255, 240, 120, 230), width=3)
            if e.effect != "hit" and i % 4 < 2:
                draw.rectangle([x, y, x + body.width, y + body.height], fill=(255, 0, 0, 50))
        elif e.effect == "miss":
            draw.text((cx + 10, cy - 20 - int(20 * k)), "miss", font=_font(14), fill=(230, 230, 230))
        elif e.effect == "joined":
            for a in range(6):
                ang = a * math.tau / 6 + i / 5
                draw.ellipse([cx + math.cos(ang) * 30 - 3, cy + math.sin(ang) * 30 - 3,
                              cx + math.cos(ang) * 30 + 3, cy + math.sin(ang) * 30 + 3], fill=(255, 230, 120, 220))

    def _hp_bar(self, draw: ImageDraw.ImageDraw, e: PlanEntity, cx: int, y: int) -> None:
        width = 50
        frac = max(0.0, min(1.0, e.hp or 0.0))
        draw.rectangle([cx - width // 2, y, cx + width // 2, y + 5], fill=(40, 0, 0, 200))
        color = (60, 200, 80) if frac > 0.5 else (230, 180, 40) if frac > 0.25 else (220, 50, 40)
        draw.rectangle([cx - width // 2, y, cx - width // 2 + int(width * frac), y + 5], fill=color + (230,))
