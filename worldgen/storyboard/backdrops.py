"""Backdrops: a recognisable picture of a location, painted from its visual descriptor.

Keywords in the descriptor choose the elements (neon screens, lanterns, a torii
gate, water, cranes, reeds, a reactor...), the location's seed places them, so
the same location always looks the same. Painted once per location and size.
"""

from __future__ import annotations

import random
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from worldgen.storyboard.palette import COLORS, RGB, has

INDOOR = ("interior", "hut", "bay", "corridor", "chamber", "medical", "room", "shaft", "crawlway", "hall")
OPEN_WATER = ("sea", "ocean", "shore", "beach", "coast", "waves", "water", "harbor", "harbour")


def _sky(text: str) -> tuple[RGB, RGB]:
    if has(text, "night", "moonlight", "midnight", "dark"):
        return (8, 10, 30), (40, 30, 70)
    if has(text, "dusk", "sunset", "evening"):
        return (40, 40, 90), (230, 130, 80)
    return (110, 160, 220), (210, 225, 240)


def _gradient(w: int, h: int, top: RGB, bottom: RGB) -> Image.Image:
    t = np.linspace(0, 1, h)[:, None, None]
    arr = (np.array(top)[None, None, :] * (1 - t) + np.array(bottom)[None, None, :] * t)
    return Image.fromarray(np.repeat(arr, w, axis=1).astype(np.uint8), "RGB")


def _accent(text: str, default: RGB) -> RGB:
    for name in ("red", "blue", "green", "orange", "amber", "purple", "cyan", "yellow", "vermilion"):
        if has(text, name):
            return COLORS[name]
    return default


PAINT_WIDTH = 640  # backdrops are painted at this width, then scaled: the layout needs room


@lru_cache(maxsize=64)
def backdrop(visual: str, style: str, seed: int, width: int, height: int) -> np.ndarray:
    """The location as an (H, W, 3) uint8 image. ``style`` only sets the light (night, dusk, day)."""
    if width != PAINT_WIDTH:
        paint_height = max(200, round(PAINT_WIDTH * height / width))
        big = Image.fromarray(backdrop(visual, style, seed, PAINT_WIDTH, paint_height))
        arr = np.asarray(big.resize((width, height), Image.BILINEAR), dtype=np.uint8).copy()
        arr.setflags(write=False)
        return arr
    rng = random.Random(seed)
    text = visual.lower()
    light = f"{text} {style.lower()}"
    horizon = int(height * 0.62)
    # a bay is a room ("docking bay", "medical bay") unless the place is by open water
    indoor = (has(text, *[w for w in INDOOR if w != "bay"]) or (has(text, "bay") and not has(text, *OPEN_WATER))) \
        and not has(text, "night sky")
    if indoor:
        wall = _accent(text, (70, 80, 95))
        img = _gradient(width, height, tuple(int(c * 0.35) for c in wall), tuple(int(c * 0.7) for c in wall))
    else:
        img = _gradient(width, height, *_sky(light))
    d = ImageDraw.Draw(img, "RGBA")
    if not indoor and has(text, "moon", "moonlight"):
        x = rng.randint(width // 2, width - 60)
        d.ellipse([x, 20, x + 36, 56], fill=(240, 240, 220))
    if not indoor and has(light, "night", "dusk") and not has(text, "fog"):
        for _ in range(60):
            x, y = rng.randrange(width), rng.randrange(horizon // 2)
            d.point((x, y), fill=(255, 255, 255, rng.randint(80, 220)))
    _elements(d, text, rng, width, height, horizon, indoor)
    if has(text, "fog", "mist", "steam", "haze", "smoke"):
        fog = Image.new("RGBA", img.size, (200, 205, 215, 0))
        fd = ImageDraw.Draw(fog)
        for _ in range(14):
            x, y = rng.randrange(-100, width), rng.randrange(horizon - 80, height)
            fd.ellipse([x, y, x + rng.randint(150, 320), y + rng.randint(30, 70)], fill=(200, 205, 215, 60))
        img = Image.alpha_composite(img.convert("RGBA"), fog.filter(ImageFilter.GaussianBlur(18))).convert("RGB")
    arr = np.asarray(img, dtype=np.uint8).copy()
    arr.setflags(write=False)  # shared by every frame of the location: never drawn on
    return arr


def _elements(d: ImageDraw.ImageDraw, text: str, rng: random.Random, w: int, h: int, horizon: int,
              indoor: bool) -> None:
    ground = (35, 35, 42) if has(text, "asphalt", "road", "highway", "crossing", "street") else \
        (60, 55, 45) if not indoor else (45, 48, 55)
    if has(text, "swamp", "marsh", "pier", *OPEN_WATER) or (has(text, "port") and not indoor):
        d.rectangle([0, horizon, w, h], fill=(12, 24, 40))
        for _ in range(40):
            x, y = rng.randrange(w), rng.randrange(horizon + 5, h)
            d.line([(x, y), (x + rng.randint(10, 40), y)], fill=(90, 130, 170, 90), width=1)
        if has(text, "pier", "wet pier", "dock", "boardwalk"):
            d.rectangle([0, int(h * 0.8), w, h], fill=(70, 55, 40))
    else:
        d.rectangle([0, horizon, w, h], fill=ground)
    if has(text, "neon", "screens", "city", "buildings", "skyline"):
        x = 0
        while x < w:
            bw, bh = rng.randint(50, 110), rng.randint(int(h * 0.3), int(h * 0.58))
            d.rectangle([x, horizon - bh, x + bw, horizon], fill=(18, 18, 30))
            for _ in range(rng.randint(1, 3)):
                c = rng.choice([(255, 40, 180), (40, 230, 255), (255, 210, 60), (140, 80, 255)])
                sx, sy = x + rng.randint(4, bw - 30), horizon - bh + rng.randint(6, bh // 2)
                d.rectangle([sx, sy, sx + rng.randint(18, 40), sy + rng.randint(10, 28)], fill=c + (220,))
            x += bw + rng.randint(2, 12)
    if has(text, "crossing", "scramble", "zebra"):
        for i in range(9):
            x = int(w * 0.1) + i * int(w * 0.09)
            d.polygon([(x, int(h * 0.78)), (x + 26, int(h * 0.78)), (x + 36, h), (x + 6, h)], fill=(210, 210, 210))
    if has(text, "crowd", "crowds", "umbrellas"):
        for _ in range(26):
            x, y = rng.randrange(w), horizon + rng.randint(0, 18)
            d.ellipse([x, y - 16, x + 8, y - 8], fill=(25, 25, 35))
            d.rectangle([x, y - 8, x + 8, y + 8], fill=(25, 25, 35))
            if has(text, "umbrellas") and rng.random() < 0.5:
                d.pieslice([x - 8, y - 26, x + 16, y - 6], 180, 360, fill=rng.choice([(60, 60, 70), (150, 30, 40)]))
    if has(text, "alley", "stalls", "stall"):
        for i in range(5):
            x = i * w // 5 + rng.randint(0, 20)
            d.rectangle([x, horizon - 110, x + 90, horizon], fill=(60, 35, 25))
            d.rectangle([x - 5, horizon - 118, x + 95, horizon - 100], fill=(140, 30, 30))
    if has(text, "lantern", "lanterns"):
        glow = _accent(text, (255, 170, 60))
        for i in range(8):
            x, y = int(w * (0.06 + i * 0.12)), int(h * 0.18) + (i % 2) * 12
            d.line([(x, 0), (x, y)], fill=(30, 20, 20))
            d.ellipse([x - 9, y, x + 9, y + 22], fill=glow + (235,))
    if has(text, "torii", "shrine"):
        c = COLORS["vermilion"]
        x0, x1, top = int(w * 0.38), int(w * 0.62), int(h * 0.16)
        d.rectangle([x0, top + 20, x0 + 14, horizon], fill=c)
        d.rectangle([x1 - 14, top + 20, x1, horizon], fill=c)
        d.rectangle([x0 - 24, top, x1 + 24, top + 14], fill=c)
        d.rectangle([x0 - 8, top + 34, x1 + 8, top + 44], fill=c)
    if has(text, "steps", "stairs"):
        for i in range(7):
            y = horizon + i * (h - horizon) // 7
            d.rectangle([int(w * 0.3) - i * 12, y, int(w * 0.7) + i * 12, y + 6], fill=(120, 120, 115))
    if has(text, "cedar", "trees", "forest", "reeds", "reed"):
        reeds = has(text, "reeds", "reed")
        for _ in range(26 if reeds else 12):
            x = rng.randrange(w)
            top = horizon - rng.randint(60, 190)
            if reeds:
                d.line([(x, horizon + 10), (x + rng.randint(-8, 8), top)], fill=(60, 80, 40), width=3)
            else:
                d.polygon([(x, top), (x - 30, horizon), (x + 30, horizon)], fill=(15, 40, 25))
    if has(text, "highway", "road", "elevated"):
        d.rectangle([0, horizon - 8, w, horizon + 4], fill=(60, 60, 65))
        for i in range(6):
            x = i * w // 6 + 30
            d.line([(x, horizon - 8), (x, horizon - 90)], fill=(90, 90, 90), width=3)
            d.ellipse([x - 8, horizon - 98, x + 8, horizon - 86], fill=(255, 170, 50))
    if has(text, "crane", "cranes"):
        for _ in range(3):
            x = rng.randint(40, w - 120)
            d.line([(x, horizon), (x, horizon - 170)], fill=(30, 35, 45), width=6)
            d.line([(x - 40, horizon - 165), (x + 110, horizon - 165)], fill=(30, 35, 45), width=5)
    if has(text, "container", "containers"):
        for _ in range(8):
            x = rng.randrange(w - 80)
            c = rng.choice([(150, 50, 40), (40, 90, 130), (180, 140, 40), (50, 110, 70)])
            d.rectangle([x, horizon - 40, x + 80, horizon], fill=c, outline=(20, 20, 20))
    if has(text, "cottage", "cottages", "thatched", "village", "house"):
        for i in range(4):
            x = int(w * (0.05 + i * 0.24))
            d.rectangle([x, horizon - 60, x + 90, horizon], fill=(120, 100, 80))
            d.polygon([(x - 10, horizon - 60), (x + 45, horizon - 110), (x + 100, horizon - 60)], fill=(150, 130, 70))
            d.rectangle([x + 35, horizon - 35, x + 55, horizon], fill=(60, 40, 30))
    if has(text, "lantern post", "iron lantern"):
        d.line([(w // 2, horizon + 20), (w // 2, horizon - 150)], fill=(30, 30, 30), width=6)
        d.rectangle([w // 2 - 14, horizon - 180, w // 2 + 14, horizon - 150], outline=(30, 30, 30), width=4)
    if has(text, "chapel", "ruin", "ruined", "tower"):
        x = int(w * 0.55)
        d.rectangle([x, horizon - 120, x + 160, horizon + 10], fill=(90, 95, 90))
        d.polygon([(x + 110, horizon - 120), (x + 150, horizon - 230), (x + 175, horizon - 222),
                   (x + 150, horizon - 120)], fill=(80, 85, 80))
    if has(text, "moss"):
        for _ in range(30):
            x, y = rng.randrange(w), rng.randrange(horizon - 40, h)
            d.ellipse([x, y, x + 8, y + 4], fill=(90, 230, 120, 160))
    if has(text, "reactor", "core"):
        cx, cy, r = w // 2, int(h * 0.38), int(h * 0.22)
        d.ellipse([cx - r - 20, cy - r - 20, cx + r + 20, cy + r + 20], fill=(40, 120, 255, 60))
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(90, 190, 255))
    if has(text, "catwalk", "catwalks", "pipes", "conduits", "corridor"):
        for i in range(5):
            y = int(h * (0.12 + i * 0.1))
            d.line([(0, y), (w, y + rng.randint(-10, 10))], fill=(80, 85, 95), width=4)
    if has(text, "beds", "cots", "holographic", "screens") and indoor:
        for i in range(3):
            x = int(w * (0.15 + i * 0.28))
            d.rectangle([x, int(h * 0.2), x + 90, int(h * 0.4)], fill=(60, 160, 220, 150))
    if has(text, "shuttle"):
        d.polygon([(int(w * 0.05), int(h * 0.5)), (int(w * 0.35), int(h * 0.4)), (int(w * 0.4), int(h * 0.55)),
                   (int(w * 0.08), int(h * 0.6))], fill=(170, 175, 185), outline=(60, 60, 70))
    if has(text, "herbs", "jars", "kettle", "fire"):
        d.ellipse([int(w * 0.45), horizon - 20, int(w * 0.55), horizon + 10], fill=(255, 140, 40))
        for i in range(10):
            x = int(w * (0.05 + i * 0.09))
            d.line([(x, 0), (x, 40 + (i % 3) * 10)], fill=(70, 100, 50), width=4)
    if has(text, "emergency", "beacons", "red light"):
        for i in range(4):
            d.ellipse([int(w * (0.1 + i * 0.25)), 10, int(w * (0.1 + i * 0.25)) + 14, 24], fill=(255, 40, 30))


def warm(places: list[tuple[str, str, int]], width: int, height: int) -> None:
    """Paint backdrops ahead of time, so the first frame at a new place is not held up painting it."""
    for visual, style, seed in places:
        backdrop(visual, style, seed, width, height)
