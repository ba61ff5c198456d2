"""Figures: one RGBA sprite per (entity, pose, size), drawn from its appearance.

A red skirt is red, a shiba inu walks on four legs, a sea beast towers. Sprites
are drawn once and cached; frames only move and composite them.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter

from worldgen.storyboard.palette import COLORS, RGB, Look, hashed_color, main_color, read_look


def _shade(c: RGB, f: float) -> RGB:
    return tuple(max(0, min(255, int(v * f))) for v in c)  # type: ignore[return-value]


def _outline(c: RGB) -> RGB:
    return _shade(c, 0.45)


@lru_cache(maxsize=512)
def sprite(key: str, kind: str, appearance: str, pose: str, height: int) -> Image.Image:
    """The figure, feet at the bottom centre of the image."""
    look = read_look(kind, appearance, key)
    draw_fn = {"humanoid": _humanoid, "animal": _animal, "beast": _beast, "brute": _brute, "machine": _machine,
               "drone": _drone, "item": _item}[look.body]
    width = int(height * (1.6 if look.body in ("beast", "animal") else 1.1 if look.body == "machine" else 0.8))
    img = Image.new("RGBA", (max(8, width), max(8, height)), (0, 0, 0, 0))
    draw_fn(ImageDraw.Draw(img), look, key, width, height, pose)
    if look.glow is not None and look.body != "item":
        img = _with_glow(img, look.glow)
    if pose == "casting":
        img = _with_glow(img, (255, 240, 160), strength=2)
    if pose == "fallen":
        img = img.rotate(90 if look.body == "humanoid" else 0, expand=True) if look.body == "humanoid" else \
            img.resize((img.width, max(4, img.height // 2)))
    return img


def _with_glow(img: Image.Image, color: RGB, strength: int = 1) -> Image.Image:
    alpha = img.getchannel("A").filter(ImageFilter.GaussianBlur(radius=max(2, img.height // 30) * strength))
    halo = Image.new("RGBA", img.size, color + (0,))
    halo.putalpha(alpha.point(lambda a: int(a * 0.7)))
    return Image.alpha_composite(halo, img)


def _humanoid(d: ImageDraw.ImageDraw, look: Look, key: str, w: int, h: int, pose: str) -> None:
    top = look.parts.get("top") or look.parts.get("main") or hashed_color(key)
    bottom = look.parts.get("bottom") or _shade(top, 0.7)
    shoes = look.parts.get("shoes") or (50, 40, 35)
    hair = look.parts.get("hair") or (40, 30, 25)
    cx, head_r = w // 2, max(3, h // 11)
    sit = pose == "sitting"
    leg_top, foot = int(h * (0.62 if not sit else 0.72)), h - 2
    # legs
    spread = {"walking": w // 7, "fighting": w // 6}.get(pose, w // 14)
    lw = max(2, w // 10)
    for side in (-1, 1):
        fx = cx + side * spread
        d.line([(cx + side * lw // 2, leg_top), (fx, foot - h // 30)], fill=_shade(bottom, 0.8), width=lw)
        d.ellipse([fx - lw, foot - h // 22, fx + lw, foot], fill=shoes, outline=_outline(shoes))
    # skirt, hakama or the hips of trousers
    d.polygon([(cx - w // 5, int(h * 0.46)), (cx + w // 5, int(h * 0.46)), (cx + w // 3, leg_top + h // 14),
               (cx - w // 3, leg_top + h // 14)], fill=bottom, outline=_outline(bottom))
    # torso
    d.rounded_rectangle([cx - w // 5, int(h * 0.22), cx + w // 5, int(h * 0.5)], radius=w // 12, fill=top,
                        outline=_outline(top))
    # arms
    arm = max(2, w // 12)
    if pose in ("fighting", "casting"):
        d.line([(cx + w // 6, int(h * 0.27)), (cx + w // 2 - 2, int(h * 0.14))], fill=top, width=arm)
        d.line([(cx - w // 6, int(h * 0.27)), (cx - w // 3, int(h * 0.4))], fill=top, width=arm)
    else:
        for side in (-1, 1):
            d.line([(cx + side * w // 5, int(h * 0.26)), (cx + side * w // 4, int(h * 0.46))], fill=top, width=arm)
    # head and hair
    hy = int(h * 0.13)
    d.ellipse([cx - head_r, hy - head_r, cx + head_r, hy + head_r], fill=look.skin, outline=_outline(look.skin))
    if not look.bald:
        d.chord([cx - head_r - 1, hy - head_r - 2, cx + head_r + 1, hy + head_r // 2], 180, 360, fill=hair)
        if look.long_hair:
            d.rectangle([cx - head_r - 1, hy, cx - head_r // 2, hy + head_r * 2], fill=hair)
            d.rectangle([cx + head_r // 2, hy, cx + head_r + 1, hy + head_r * 2], fill=hair)
    if look.beard:
        d.chord([cx - head_r // 1.5, hy, cx + head_r // 1.5, hy + head_r * 1.2], 0, 180, fill=hair)
    eye = max(1, head_r // 4)
    for side in (-1, 1):
        d.ellipse([cx + side * head_r // 2 - eye // 2, hy - eye // 2, cx + side * head_r // 2 + eye // 2,
                   hy + eye // 2], fill=(20, 20, 20))
    if "accent" in look.parts:  # collar, headband, ribbon: a band of colour at the neck or head
        d.line([(cx - head_r, hy - head_r // 2), (cx + head_r, hy - head_r // 2)], fill=look.parts["accent"],
               width=max(1, head_r // 4))


def _animal(d: ImageDraw.ImageDraw, look: Look, key: str, w: int, h: int, pose: str) -> None:
    fur = main_color(look, key)
    belly = _shade(fur, 1.3)
    body = [int(w * 0.18), int(h * 0.42), int(w * 0.78), int(h * 0.8)]
    legs = [(0.26, 0.02), (0.36, -0.02), (0.62, 0.02), (0.72, -0.02)]
    step = {"walking": 0.05, "fighting": 0.03}.get(pose, 0.0)
    for i, (lx, _) in enumerate(legs):
        x = int(w * (lx + (step if i % 2 else -step)))
        d.line([(int(w * lx), int(h * 0.7)), (x, h - 2)], fill=_shade(fur, 0.8), width=max(2, w // 20))
    d.ellipse(body, fill=fur, outline=_outline(fur))
    d.ellipse([int(w * 0.3), int(h * 0.6), int(w * 0.68), int(h * 0.8)], fill=belly)
    # tail curled up (shiba) or straight
    d.arc([int(w * 0.02), int(h * 0.28), int(w * 0.26), int(h * 0.58)], 200, 40, fill=fur, width=max(2, w // 18))
    # head with ears, facing right
    hx, hy, hr = int(w * 0.8), int(h * 0.36), int(h * 0.17)
    d.polygon([(hx - hr, hy - hr // 2), (hx - hr // 2, hy - hr * 2), (hx, hy - hr // 2)], fill=fur)
    d.polygon([(hx, hy - hr // 2), (hx + hr // 2, hy - hr * 2), (hx + hr, hy - hr // 2)], fill=fur)
    d.ellipse([hx - hr, hy - hr, hx + hr, hy + hr], fill=fur, outline=_outline(fur))
    d.ellipse([hx + hr // 2, hy, hx + hr + hr // 2, hy + hr // 2 + 2], fill=belly)
    d.ellipse([hx + hr // 3, hy - hr // 3, hx + hr // 3 + 3, hy - hr // 3 + 3], fill=(15, 15, 15))
    collar = look.parts.get("accent")
    if collar:
        d.line([(hx - hr, hy + hr // 2), (hx + hr // 3, hy + hr)], fill=collar, width=max(2, hr // 3))


def _beast(d: ImageDraw.ImageDraw, look: Look, key: str, w: int, h: int, pose: str) -> None:
    hide = look.parts.get("main") or (40, 70, 80)
    glow = look.glow or (90, 200, 255)
    d.ellipse([int(w * 0.05), int(h * 0.35), int(w * 0.95), int(h * 1.3)], fill=hide, outline=_outline(hide))
    # neck and head rising on the left, facing the party
    d.polygon([(int(w * 0.25), int(h * 0.6)), (int(w * 0.1), int(h * 0.15)), (int(w * 0.3), int(h * 0.1)),
               (int(w * 0.45), int(h * 0.55))], fill=hide)
    d.ellipse([0, int(h * 0.02), int(w * 0.32), int(h * 0.24)], fill=hide, outline=_outline(hide))
    for i in range(7):  # dorsal plates, glowing
        x = int(w * (0.35 + i * 0.08))
        d.polygon([(x, int(h * 0.42)), (x + int(w * 0.035), int(h * (0.2 + 0.03 * abs(3 - i)))),
                   (x + int(w * 0.07), int(h * 0.42))], fill=glow)
    d.ellipse([int(w * 0.04), int(h * 0.08), int(w * 0.09), int(h * 0.13)], fill=glow)
    jaw = int(h * 0.06) if pose == "fighting" else int(h * 0.02)
    d.line([(int(w * 0.02), int(h * 0.18)), (int(w * 0.16), int(h * 0.18) + jaw)], fill=(250, 240, 230), width=3)


def _brute(d: ImageDraw.ImageDraw, look: Look, key: str, w: int, h: int, pose: str) -> None:
    hide = look.parts.get("main") or look.parts.get("top") or (80, 95, 60)
    cx = w // 2
    d.ellipse([int(w * 0.15), int(h * 0.22), int(w * 0.85), int(h * 0.78)], fill=hide, outline=_outline(hide))
    for side in (-1, 1):  # legs and long arms
        d.rectangle([cx + side * w // 5 - w // 12, int(h * 0.7), cx + side * w // 5 + w // 12, h - 2],
                    fill=_shade(hide, 0.8))
        raised = pose == "fighting" and side == 1
        d.line([(cx + side * int(w * 0.3), int(h * 0.35)),
                (cx + side * int(w * 0.45), int(h * (0.12 if raised else 0.75)))], fill=hide, width=max(4, w // 9))
    d.ellipse([cx - w // 7, int(h * 0.05), cx + w // 7, int(h * 0.3)], fill=hide, outline=_outline(hide))
    eye = (255, 230, 80) if look.glow is None else look.glow
    for side in (-1, 1):
        d.ellipse([cx + side * w // 16 - 3, int(h * 0.14), cx + side * w // 16 + 3, int(h * 0.18)], fill=eye)
    if look.glow:
        d.ellipse([cx - w // 14, int(h * 0.42), cx + w // 14, int(h * 0.52)], fill=look.glow)


def _machine(d: ImageDraw.ImageDraw, look: Look, key: str, w: int, h: int, pose: str) -> None:
    armor = look.parts.get("top") or look.parts.get("main") or (200, 170, 40)
    visor = look.parts.get("accent") or COLORS["red"]
    cx = w // 2
    for side in (-1, 1):
        d.polygon([(cx + side * w // 8, int(h * 0.6)), (cx + side * w // 4, h - 2), (cx + side * w // 8, h - 2)],
                  fill=_shade(armor, 0.6))
    d.rounded_rectangle([cx - w // 4, int(h * 0.25), cx + w // 4, int(h * 0.65)], radius=6, fill=armor,
                        outline=_outline(armor), width=2)
    d.rectangle([cx - w // 8, int(h * 0.08), cx + w // 8, int(h * 0.26)], fill=_shade(armor, 0.8))
    d.rectangle([cx - w // 10, int(h * 0.14), cx + w // 10, int(h * 0.19)], fill=visor)
    up = pose == "fighting"
    for side in (-1, 1):
        d.rectangle([cx + side * int(w * 0.3) - w // 14, int(h * (0.22 if up else 0.3)), cx + side * int(w * 0.3)
                     + w // 14, int(h * (0.48 if up else 0.6))], fill=_shade(armor, 0.7), outline=_outline(armor))


def _drone(d: ImageDraw.ImageDraw, look: Look, key: str, w: int, h: int, pose: str) -> None:
    shell = look.parts.get("main") or look.parts.get("top") or COLORS["white"]
    eye = look.parts.get("accent") or COLORS["blue"]
    r = min(w, h) // 3
    cx, cy = w // 2, h // 2 - h // 10
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=shell, outline=_outline(shell), width=2)
    d.ellipse([cx - r // 3, cy - r // 3, cx + r // 3, cy + r // 3], fill=eye)
    for side in (-1, 1):
        d.line([(cx + side * r, cy), (cx + side * int(r * 1.4), cy + r)], fill=_shade(shell, 0.6), width=2)
    d.ellipse([cx - r // 2, h - 6, cx + r // 2, h - 2], fill=(0, 0, 0, 90))  # its shadow on the ground


def _item(d: ImageDraw.ImageDraw, look: Look, key: str, w: int, h: int, pose: str) -> None:
    c = main_color(look, key)
    shape = look.item_shape
    if shape == "bell":
        d.pieslice([2, 2, w - 2, h * 2 - 4], 180, 360, fill=COLORS["bronze"], outline=_outline(COLORS["bronze"]))
        d.line([(w // 2, 0), (w // 2, 3)], fill=COLORS["red"], width=2)
    elif shape in ("bag", "card", "cell", "key"):
        d.rounded_rectangle([2, h // 4, w - 2, h - 2], radius=3, fill=c, outline=_outline(c))
    elif shape in ("crystal", "stone"):
        d.polygon([(w // 2, 0), (w - 2, h // 2), (w // 2, h - 1), (2, h // 2)], fill=c, outline=_outline(c))
    elif shape == "onigiri":
        d.polygon([(w // 2, 1), (w - 2, h - 2), (2, h - 2)], fill=COLORS["white"], outline=(60, 60, 60))
        d.rectangle([w // 3, h * 2 // 3, w * 2 // 3, h - 2], fill=(20, 40, 20))
    else:
        d.ellipse([2, 2, w - 2, h - 2], fill=c, outline=_outline(c))
