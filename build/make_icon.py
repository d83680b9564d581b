"""Draw the xconn app icon and write PNG / ICO / ICNS into xconn_app/assets/.

A blue rounded square with a white "X" and a small chain-link glyph. Run it once after changing
the drawing (needs Pillow, a build-time tool only: the app itself never imports PIL) and commit
the generated files:  python build/make_icon.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "xconn_app" / "assets"
BLUE_TOP, BLUE_BOTTOM = (35, 131, 226), (18, 87, 176)  # close to Xero's blue, not their logo
WHITE = (255, 255, 255, 255)


def draw(size: int = 1024) -> Image.Image:
    s = size * 4  # supersample, then downscale for smooth edges
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    # vertical gradient clipped by a rounded square
    grad = Image.new("RGBA", (s, s))
    gd = ImageDraw.Draw(grad)
    for y in range(s):
        t = y / (s - 1)
        rgb = tuple(int(a + (b - a) * t) for a, b in zip(BLUE_TOP, BLUE_BOTTOM, strict=True))
        gd.line([(0, y), (s, y)], fill=(*rgb, 255))
    mask = Image.new("L", (s, s), 0)
    margin = int(s * 0.06)
    ImageDraw.Draw(mask).rounded_rectangle([margin, margin, s - margin, s - margin], radius=int(s * 0.2), fill=255)
    img.paste(grad, (0, 0), mask)

    d = ImageDraw.Draw(img)
    # the "X": two thick strokes with round ends, shifted up-left to make room for the link
    w = int(s * 0.12)
    a, b = int(s * 0.23), int(s * 0.58)
    for p, q in (((a, a), (b, b)), ((a, b), (b, a))):
        d.line([p, q], fill=WHITE, width=w)
        for x, y in (p, q):
            d.ellipse([x - w // 2, y - w // 2, x + w // 2, y + w // 2], fill=WHITE)

    # the link: two interlocking rounded rings (a chain link) in the lower-right corner
    ring_w, ring_h, stroke = int(s * 0.22), int(s * 0.12), int(s * 0.035)
    cx, cy = int(s * 0.68), int(s * 0.79)
    for dx in (-int(ring_w * 0.32), int(ring_w * 0.32)):
        x0, y0 = cx + dx - ring_w // 2, cy - ring_h // 2
        d.rounded_rectangle([x0, y0, x0 + ring_w, y0 + ring_h], radius=ring_h // 2, outline=WHITE, width=stroke)
    return img.resize((size, size), Image.LANCZOS)


def main() -> None:
    ASSETS.mkdir(parents=True, exist_ok=True)
    big = draw(1024)
    big.resize((256, 256), Image.LANCZOS).save(ASSETS / "xconn.png", optimize=True)  # Tk iconphoto, hicolor 256
    big.resize((64, 64), Image.LANCZOS).save(ASSETS / "xconn-64.png", optimize=True)  # small window icon
    big.save(ASSETS / "xconn.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    big.save(ASSETS / "xconn.icns")  # Pillow writes every ICNS size up to 1024 from the source
    for f in sorted(ASSETS.glob("xconn*")):
        print(f.relative_to(ROOT), f.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
