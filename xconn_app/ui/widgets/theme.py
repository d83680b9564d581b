"""One place for the look: padding, fonts, status colours and the ttk.Treeview style.

customtkinter draws its own widgets; ttk.Treeview is styled here to match it, in light and dark
appearance, and re-styled whenever the appearance changes.
"""

from __future__ import annotations

import binascii
import functools
import struct
import tkinter as tk
import zlib
from tkinter import ttk

import customtkinter as ctk

PAD = 12  # outer padding
GAP = 8  # between related widgets
ROW_HEIGHT = 30
MIN_COLUMN = 60

# (light, dark) pairs, as customtkinter themes do.
STATUS_COLOURS = {
    "connected": ("#2E7D32", "#66BB6A"),
    "expires_soon": ("#B26A00", "#FFB74D"),
    "needs_reauthorization": ("#C62828", "#EF5350"),
    "not_authorized": ("#757575", "#9E9E9E"),
}
DANGER = ("#C62828", "#E53935")
DANGER_HOVER = ("#A31F1F", "#B71C1C")
OK_TEXT = ("#2E7D32", "#66BB6A")
ERROR_TEXT = ("#C62828", "#FF6B6B")
MUTED_TEXT = ("gray40", "gray65")
BANNER_BG = ("#FDECEA", "#4A2323")
BANNER_TEXT = ("#8E1B1B", "#FFCDD2")


def mode_index() -> int:
    return 1 if ctk.get_appearance_mode() == "Dark" else 0


def pick(pair) -> str:
    return pair[mode_index()] if isinstance(pair, (tuple, list)) else pair


def theme_colour(widget: str, key: str) -> str:
    return pick(ctk.ThemeManager.theme[widget][key])


DISABLED_FILL = ("gray84", "gray26")
DISABLED_TEXT = ("gray50", "gray58")


def set_enabled(button: ctk.CTkButton, on: bool) -> None:
    """Enable or disable a filled (primary) button so that it also looks disabled: customtkinter
    only greys the text, and a blue "Edit" with nothing selected reads as clickable."""
    if not hasattr(button, "_xconn_fill"):
        button._xconn_fill = button.cget("fg_color")
    button.configure(state="normal" if on else "disabled", fg_color=button._xconn_fill if on else DISABLED_FILL,
                     text_color_disabled=DISABLED_TEXT)


def font_family() -> str:
    import sys

    fonts = ctk.ThemeManager.theme["CTkFont"]
    if "family" in fonts:
        return fonts["family"]
    key = "Windows" if sys.platform.startswith("win") else "macOS" if sys.platform == "darwin" else "Linux"
    return fonts[key]["family"]


def font(size: int = 13, weight: str = "normal") -> ctk.CTkFont:
    return ctk.CTkFont(size=size, weight=weight)


def header_font() -> ctk.CTkFont:
    return ctk.CTkFont(size=18, weight="bold")


def _png(width: int, height: int, pixels: list[tuple[int, int, int, int]]) -> str:
    """A base64 RGBA PNG (Tk 8.6 reads PNG with alpha natively; no Pillow needed)."""
    raw = b"".join(b"\x00" + b"".join(struct.pack("4B", *pixels[y * width + x]) for x in range(width))
                   for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    return binascii.b2a_base64(png, newline=False).decode()


@functools.lru_cache(maxsize=None)
def _dot_png(colour: str, size: int = 12) -> str:
    """An anti-aliased filled circle of the given #RRGGBB colour on a transparent square (base64 PNG)."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    pixels = []
    radius, centre, sub = size / 2 - 0.5, (size - 1) / 2, 4
    for y in range(size):
        for x in range(size):
            inside = sum(
                1 for sy in range(sub) for sx in range(sub)
                if (x - centre + (sx + 0.5) / sub - 0.5) ** 2 + (y - centre + (sy + 0.5) / sub - 0.5) ** 2 <= radius ** 2
            )
            pixels.append((r, g, b, round(255 * inside / sub ** 2)))
    return _png(size, size, pixels)


def dot_image(master, colour: str, size: int = 12) -> tk.PhotoImage:
    """A status dot as a Tk image (the PNG is computed once per colour)."""
    return tk.PhotoImage(master=master, data=_dot_png(colour, size), format="png")


class TableStyle:
    """Styles every ``Xconn.Treeview`` to match customtkinter; follows appearance changes."""

    NAME = "Xconn.Treeview"

    def __init__(self, root):
        self.root = root
        self.style = ttk.Style(root)
        if self.style.theme_use() != "clam":
            self.style.theme_use("clam")  # the only built-in theme that honours heading colours
        self._dots: dict[str, tk.PhotoImage] = {}  # made when a row first needs one
        self.trees: list[ttk.Treeview] = []
        self.apply()
        from customtkinter.windows.widgets.appearance_mode import AppearanceModeTracker

        AppearanceModeTracker.add(self._on_mode, root)

    def _on_mode(self, _mode: str) -> None:
        try:
            self.apply()
        except tk.TclError:  # the window is being destroyed
            pass

    def register(self, tree: ttk.Treeview) -> None:
        self.trees.append(tree)
        self._tag_tree(tree)

    def apply(self) -> None:
        family = font_family()
        bg = theme_colour("CTkEntry", "fg_color")
        fg = theme_colour("CTkLabel", "text_color")
        head_bg = theme_colour("CTkFrame", "top_fg_color")
        accent = theme_colour("CTkButton", "fg_color")
        border = theme_colour("CTkFrame", "border_color")
        s = self.style
        s.configure(self.NAME, background=bg, fieldbackground=bg, foreground=fg, rowheight=ROW_HEIGHT,
                    font=(family, -13), borderwidth=0, relief="flat", bordercolor=border,
                    lightcolor=bg, darkcolor=bg)
        s.map(self.NAME, background=[("selected", accent)], foreground=[("selected", "#FFFFFF")])
        s.layout(self.NAME, [("Treeview.treearea", {"sticky": "nswe"})])  # no 3D border
        s.configure(f"{self.NAME}.Heading", background=head_bg, foreground=fg, relief="flat",
                    font=(family, -13, "bold"), padding=(8, 6), borderwidth=0, bordercolor=border,
                    lightcolor=head_bg, darkcolor=head_bg)
        s.map(f"{self.NAME}.Heading", background=[("active", head_bg)], relief=[("pressed", "flat")])
        for status, image in self._dots.items():  # the rows showing it follow: no per-row update
            image.configure(data=_dot_png(pick(STATUS_COLOURS[status])), format="png")
        for tree in list(self.trees):
            try:
                self._tag_tree(tree)
            except tk.TclError:
                self.trees.remove(tree)

    def _tag_tree(self, tree: ttk.Treeview) -> None:
        stripe = pick(("#F3F4F6", "#2F3133"))
        tree.tag_configure("odd", background=stripe)
        tree.tag_configure("even", background=theme_colour("CTkEntry", "fg_color"))
        for status, pair in STATUS_COLOURS.items():
            if status in ("needs_reauthorization", "not_authorized", "expires_soon"):
                tree.tag_configure(status, foreground=pick(pair))
            else:
                tree.tag_configure(status, foreground=theme_colour("CTkLabel", "text_color"))

    def dot(self, status: str) -> tk.PhotoImage:
        """The status dot image for rows of this status, in the current appearance."""
        image = self._dots.get(status)
        if image is None:
            image = self._dots[status] = dot_image(self.root, pick(STATUS_COLOURS[status]))
        return image


def table_style(widget) -> TableStyle:
    root = widget._root()
    style = getattr(root, "_xconn_table_style", None)
    if style is None:
        style = root._xconn_table_style = TableStyle(root)
    return style


def make_table(master, columns: list[tuple[str, str, int]], *, tree_column: int = 0,
               selectmode: str = "browse", height: int = 10,
               scrollbar: bool = True) -> tuple[ctk.CTkFrame, ttk.Treeview]:
    """A styled Treeview with a customtkinter scrollbar inside a rounded frame.

    columns: (id, heading, width[, fixed]); the widths are shared out as the table resizes
    (fit_columns). tree_column > 0 shows the #0 column (status dot) that wide.
    scrollbar=False keeps the scrollbar's place empty: add_scrollbar() puts it there later.
    """
    frame = ctk.CTkFrame(master, fg_color=("#F9F9FA", "#343638"), border_width=1,
                         border_color=("gray78", "gray30"), corner_radius=8)
    style = table_style(master)
    tree = ttk.Treeview(frame, columns=[c[0] for c in columns], style=TableStyle.NAME, selectmode=selectmode,
                        show=("tree", "headings") if tree_column else "headings", height=height)
    if tree_column:
        tree.column("#0", width=tree_column, minwidth=tree_column, stretch=False, anchor="center")
        tree.heading("#0", text="")
    for cid, heading, width, *_fixed in columns:
        tree.heading(cid, text=heading, anchor="w")
        tree.column(cid, width=width, minwidth=MIN_COLUMN, stretch=False, anchor="w")
    tree.bind("<Configure>", lambda e: fit_columns(tree, columns, tree_column, e.width), add="+")
    frame.grid_columnconfigure(0, weight=1)
    frame.grid_rowconfigure(0, weight=1)
    tree.grid(row=0, column=0, sticky="nsew", padx=(2, 0), pady=2)
    if scrollbar:
        add_scrollbar(frame, tree)
    else:  # the scrollbar's width (16) and its padding (2) stay reserved
        frame.grid_columnconfigure(1, minsize=round(18 * ctk.ScalingTracker.get_widget_scaling(frame)))
    style.register(tree)
    return frame, tree


def fit_columns(tree, columns, tree_column: int, width: int) -> None:
    """Share the table's width among its columns, in proportion to their widths.

    ttk does not shrink stretchable columns below their first widths, so at the window's minimum
    size the last column was cut off. Columns given as (id, heading, width, True) keep their
    width (a Client ID or a date must be read whole); the others grow and shrink, down to MIN_COLUMN.
    """
    scale = ctk.ScalingTracker.get_widget_scaling(tree)
    fixed = [(c[0], round(c[2] * scale)) for c in columns if len(c) > 3 and c[3]]
    flexible = [(c[0], c[2] * scale) for c in columns if not (len(c) > 3 and c[3])]
    room = width - round(tree_column * scale) - sum(w for _c, w in fixed) - 2
    base = sum(w for _c, w in flexible) or 1
    try:
        for cid, w in fixed:
            tree.column(cid, width=w)
        for cid, w in flexible:
            tree.column(cid, width=max(round(MIN_COLUMN * scale), int(room * w / base)))
    except tk.TclError:  # the table is being destroyed
        pass


def add_scrollbar(frame, tree) -> ctk.CTkScrollbar:
    bar = ctk.CTkScrollbar(frame, command=tree.yview)
    tree.configure(yscrollcommand=bar.set)
    bar.grid(row=0, column=1, sticky="ns", padx=(0, 2), pady=4)
    return bar
