"""Tables: a ttk.Treeview styled like customtkinter, whose text is never cut.

Columns share the width by rule: each has a preferred width, a minimum and a shrink order (lower
gives up its width first; the Tenant column of the Connections table shrinks last). A text that
does not fit its column ends in "…" and the whole text shows as a tooltip under the pointer; the
same for a heading. Rows go in through ``TableFill`` (slices, so 10,000 rows never block Tk).
"""

from __future__ import annotations

import binascii
import contextlib
import functools
import struct
import tkinter as tk
import tkinter.font as tkfont
import zlib
from collections.abc import Callable, Sequence
from tkinter import ttk
from typing import Literal, NamedTuple

import customtkinter as ctk

from . import ctk_adapter as inner
from .fill import TableFill
from .keys import table_ring
from .perwindow import one_per, root_of
from .theme import ROW_HEIGHT, STATUS_COLOURS, TABLE_BG, TABLE_BORDER, font_family, pick, theme_colour
from .tooltip import DELAY_MS, tip_label

CELL_PAD = 6  # a heading's padding; its text starts 1 px further in
# Tk 8.6 puts a cell's text 5 px in from its padding and stops it 6 px before the padding on the right,
# a heading's text 1 px in: so the cells get 4 px less padding and both start at the same x.
CELL_TEXT_LEFT, CELL_TEXT_RIGHT, HEADING_TEXT_LEFT = 5, 6, 1


def cell_pad(scale: float) -> int:
    return max(0, round(CELL_PAD * scale) + HEADING_TEXT_LEFT - CELL_TEXT_LEFT)


def cell_room(width: int, scale: float) -> int:
    """How wide a cell's text may be in a column of ``width`` pixels."""
    return width - 2 * cell_pad(scale) - CELL_TEXT_LEFT - CELL_TEXT_RIGHT - 1


def heading_room(width: int, scale: float) -> int:
    return width - 2 * round(CELL_PAD * scale) - 2 * HEADING_TEXT_LEFT - 2


ELLIPSIS = "…"


class Column(NamedTuple):  # not a dataclass: dataclasses (and inspect) would load before the first paint
    id: str
    heading: str
    width: int  # preferred, at 100 %
    min: int = 60
    shrink: int = 1  # lower numbers give up their width first
    grow: int = 0  # share of any extra width


def share_widths(columns: Sequence[Column], room: float, scale: float, content: Sequence[int] = ()) -> list[int]:
    """Preferred widths when they fit; extra room to the growing columns; too little room is taken
    from the columns in shrink order, each down to its minimum. ``content``: the width the texts of
    a growing column need (up to twice its preferred width), so a long organisation name is whole
    while a Client ID gives way."""
    widths: list[float] = [c.width * scale for c in columns]
    for i, need in enumerate(content):
        if need > widths[i]:
            widths[i] = min(need, 2 * columns[i].width * scale)
    extra = room - sum(widths)
    if extra >= 0:
        weights = sum(c.grow for c in columns)
        if weights:
            widths = [w + extra * c.grow / weights for w, c in zip(widths, columns, strict=True)]
        return [int(w) for w in widths]
    missing = -extra
    for index in sorted(range(len(columns)), key=lambda i: columns[i].shrink):
        give = min(missing, widths[index] - columns[index].min * scale)
        if give > 0:
            widths[index] -= give
            missing -= give
        if missing <= 0:
            break
    return [int(w) for w in widths]


class Ellipsizer:
    """Shortens texts to a pixel width with "…".

    Tk's ``font measure`` costs ~0.5 ms a call with Xft fonts, so widths are the sum of each
    character's width (each character measured once): exact for the Latin texts of this table but for
    kerning, which a safety margin of a few pixels covers; a text near its limit is measured for real.
    """

    MARGIN = 3

    def __init__(self, font: tkfont.Font):
        self.font = font
        self._chars: dict[str, int] = {}
        self._ellipsis = font.measure(ELLIPSIS)

    def _char(self, ch: str) -> int:
        found = self._chars.get(ch)
        if found is None:
            found = self._chars[ch] = self.font.measure(ch)
        return found

    def width(self, text: str) -> int:
        """The text's width in pixels (the sum of its characters' widths)."""
        chars, measure = self._chars, self._char
        return sum(chars[c] if c in chars else measure(c) for c in text)

    def fit(self, text: str, room: int) -> str:
        if not text:
            return text
        widths = [self._char(c) for c in text]
        total = sum(widths)
        if total <= room - self.MARGIN:
            return text
        if total <= room + self.MARGIN and self.font.measure(text) <= room:  # near the limit: measured
            return text
        room -= self._ellipsis + self.MARGIN
        used, keep = 0, 0
        for w in widths:  # the longest prefix that fits with the ellipsis
            if used + w > room:
                break
            used += w
            keep += 1
        return text[:keep].rstrip() + ELLIPSIS if keep else ELLIPSIS


# -- the look ---------------------------------------------------------------------------------------------
def _png(width: int, height: int, pixels: list[tuple[int, int, int, int]]) -> str:
    """A base64 RGBA PNG (Tk 8.6 reads PNG with alpha natively; no Pillow needed)."""
    raw = b"".join(
        b"\x00" + b"".join(struct.pack("4B", *pixels[y * width + x]) for x in range(width)) for y in range(height)
    )

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
    return binascii.b2a_base64(png, newline=False).decode()


@functools.cache
def _dot_png(colour: str, size: int = 12) -> str:
    """An anti-aliased filled circle of the given #RRGGBB colour on a transparent square (base64 PNG)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    pixels = []
    radius, centre, sub = size / 2 - 0.5, (size - 1) / 2, 4
    for y in range(size):
        for x in range(size):
            inside = sum(
                1
                for sy in range(sub)
                for sx in range(sub)
                if (x - centre + (sx + 0.5) / sub - 0.5) ** 2 + (y - centre + (sy + 0.5) / sub - 0.5) ** 2 <= radius**2
            )
            pixels.append((r, g, b, round(255 * inside / sub**2)))
    return _png(size, size, pixels)


class TableStyle:
    """Styles every ``Xconn.Treeview`` of one application to match customtkinter; follows appearance changes."""

    NAME = "Xconn.Treeview"

    def __init__(self, root):
        self.root = root
        self.scale = inner.scaling(root)
        self.style = ttk.Style(root)
        if self.style.theme_use() != "clam":
            self.style.theme_use("clam")  # the only built-in theme that honours heading colours
        self.font = tkfont.Font(root, family=font_family(), size=-round(13 * self.scale))
        self.bold = tkfont.Font(root, family=font_family(), size=-round(13 * self.scale), weight="bold")
        self.ellipsizer = Ellipsizer(self.font)
        self.heading_ellipsizer = Ellipsizer(self.bold)
        self._dots: dict[str, tk.PhotoImage] = {}  # made when a row first needs one
        self.trees: list[ttk.Treeview] = []
        self.apply()
        inner.on_appearance_change(self._on_mode, root)

    def _on_mode(self, _mode: str) -> None:
        with contextlib.suppress(tk.TclError):  # the window is being destroyed
            self.apply()

    def register(self, tree: ttk.Treeview) -> None:
        self.trees.append(tree)
        self._tag_tree(tree)

    def apply(self) -> None:
        bg = theme_colour("CTkEntry", "fg_color")
        fg = theme_colour("CTkLabel", "text_color")
        head_bg = theme_colour("CTkFrame", "top_fg_color")
        accent = theme_colour("CTkButton", "fg_color")
        border = theme_colour("CTkFrame", "border_color")
        pad = round(CELL_PAD * self.scale)
        s = self.style
        s.configure(
            self.NAME,
            background=bg,
            fieldbackground=bg,
            foreground=fg,
            rowheight=round(ROW_HEIGHT * self.scale),
            font=self.font,
            borderwidth=0,
            relief="flat",
            bordercolor=border,
            lightcolor=bg,
            darkcolor=bg,
        )
        s.map(self.NAME, background=[("selected", accent)], foreground=[("selected", "#FFFFFF")])
        s.layout(self.NAME, [("Treeview.treearea", {"sticky": "nswe"})])  # no 3D border
        s.configure(f"{self.NAME}.Item", padding=(0, 0))
        s.configure(f"{self.NAME}.Cell", padding=(cell_pad(self.scale), 0))
        s.configure(
            f"{self.NAME}.Heading",
            background=head_bg,
            foreground=fg,
            relief="flat",
            font=self.bold,
            padding=(pad, round(6 * self.scale)),
            borderwidth=0,
            bordercolor=border,
            lightcolor=head_bg,
            darkcolor=head_bg,
        )
        s.map(f"{self.NAME}.Heading", background=[("active", head_bg)], relief=[("pressed", "flat")])
        for status, image in self._dots.items():  # the rows showing it follow: no per-row update
            image.configure(data=_dot_png(pick(STATUS_COLOURS[status]), self._dot_size), format="png")
        for tree in list(self.trees):
            try:
                self._tag_tree(tree)
            except tk.TclError:
                self.trees.remove(tree)

    @property
    def _dot_size(self) -> int:
        return round(12 * self.scale)

    def _tag_tree(self, tree: ttk.Treeview) -> None:
        tree.tag_configure("odd", background=pick(("#F3F4F6", "#2F3133")))
        tree.tag_configure("even", background=theme_colour("CTkEntry", "fg_color"))
        for status, pair in STATUS_COLOURS.items():
            colour = theme_colour("CTkLabel", "text_color") if status in ("connected",) else pick(pair)
            tree.tag_configure(status, foreground=colour)

    def dot(self, status: str) -> tk.PhotoImage:
        image = self._dots.get(status)
        if image is None:
            image = self._dots[status] = tk.PhotoImage(
                master=self.root, format="png", data=_dot_png(pick(STATUS_COLOURS[status]), self._dot_size)
            )
        return image


def table_style(widget) -> TableStyle:
    root = root_of(widget)
    return one_per(root, "table style", lambda: TableStyle(root))


# -- the table --------------------------------------------------------------------------------------------
class Table:
    """``Table(master, columns)``: ``.frame`` to place, ``.tree`` the Treeview, ``.start(items, row)`` fills.

    row(item, index) -> (iid, image, values, tags) with the whole texts; the table shortens them.
    """

    def __init__(
        self,
        master,
        columns: Sequence[Column],
        *,
        dot_column: int = 0,
        selectmode: Literal["extended", "browse", "none"] = "browse",
        height: int = 10,
        scrollbar: bool = True,
    ):
        self.columns = list(columns)
        self.dot_column = dot_column
        self.style = table_style(master)
        self.frame = ctk.CTkFrame(master, fg_color=TABLE_BG, border_width=1, border_color=TABLE_BORDER, corner_radius=8)
        tree = self.tree = ttk.Treeview(
            self.frame,
            columns=[c.id for c in self.columns],
            style=TableStyle.NAME,
            selectmode=selectmode,
            height=height,
            show=("tree", "headings") if dot_column else "headings",
        )
        scale = self.style.scale
        if dot_column:
            tree.column(
                "#0",
                width=round(dot_column * scale),
                minwidth=round(dot_column * scale),
                stretch=False,
                anchor="center",
            )
            tree.heading("#0", text="")
        self.headings = {c.id: c.heading for c in self.columns}
        for c in self.columns:
            tree.heading(c.id, text=c.heading, anchor="w")
            tree.column(c.id, width=round(c.width * scale), minwidth=10, stretch=False, anchor="w")
        self.widths = [round(c.width * scale) for c in self.columns]
        self.content = [0] * len(self.columns)
        self._room = 0
        self.full: dict[str, tuple] = {}
        self.fill = TableFill(tree)
        self._fit_job: str | None = None
        self._fitted: dict[str, tuple] = {}  # iid -> the widths its shown texts were shortened for
        self._bar: ctk.CTkScrollbar | None = None
        self._tip_job: str | None = None
        self._tip_at: tuple[str, str] | None = None
        self.frame.grid_columnconfigure(0, weight=1)
        self.frame.grid_rowconfigure(0, weight=1)
        tree.grid(row=0, column=0, sticky="nsew", padx=(2, 0), pady=2)
        if scrollbar:
            self.add_scrollbar()
        else:  # the scrollbar's width (16) and its padding (2) stay reserved
            self.frame.grid_columnconfigure(1, minsize=round(18 * scale))
        tree.configure(yscrollcommand=self._scrolled)
        tree.bind("<Configure>", self._resized, add="+")
        tree.bind("<Motion>", self._motion, add="+")
        tree.bind("<Leave>", lambda _e: self._hide_tip(), add="+")
        table_ring(tree, self.frame, TABLE_BORDER)
        self.style.register(tree)

    def add_scrollbar(self) -> ctk.CTkScrollbar:
        bar = self._bar = ctk.CTkScrollbar(self.frame, command=self.tree.yview)
        bar.grid(row=0, column=1, sticky="ns", padx=(0, 2), pady=4)
        self.tree.yview_scroll(0, "units")  # tells the new bar where the view is
        return bar

    def _scrolled(self, first, last) -> None:
        if self._bar is not None:
            self._bar.set(first, last)
        self._fit_soon()

    # -- filling ------------------------------------------------------------------------------------
    def start(self, items: Sequence, row: Callable, on_done: Callable[[], None] | None = None) -> None:
        """Fill the table. Texts go in whole; only the rows in view are shortened to their columns (again
        when the view scrolls or the columns change width): 10,000 rows never all get measured."""
        self.full = {}
        self._fitted = {}

        def remembered(item, index):
            iid, image, values, tags = row(item, index)
            self.full[iid] = values
            return iid, image, values, tags

        self.fill.start(items, remembered, on_done)
        self._measure_content()
        self._fit_soon()

    def _measure_content(self) -> None:
        """The width the first screenfuls' texts need in the growing columns (headings included)."""
        scale = self.style.scale
        cell, heading = -cell_room(0, scale), -heading_room(0, scale)  # what a column needs beside its text
        width, bold = self.style.ellipsizer.width, self.style.heading_ellipsizer.width
        sample = list(self.full.values())[:200]
        content = []
        for i, c in enumerate(self.columns):
            need = bold(self.headings[c.id]) + heading
            if c.grow:
                longest = sorted((str(v[i]) for v in sample if i < len(v)), key=len, reverse=True)[:8]
                need = max([need, *(width(text) + cell for text in longest)])
            content.append(need)
        if content != self.content:
            self.content = content
            self._reshare()

    def fit_values(self, values: tuple) -> tuple:
        fit, scale = self.style.ellipsizer.fit, self.style.scale
        return tuple(fit(str(v), cell_room(w, scale)) for v, w in zip(values, self.widths, strict=False))

    def values(self, iid: str) -> tuple:
        """The whole texts of a row (what the person would read with room enough)."""
        return self.full.get(iid) or tuple(self.tree.item(iid, "values"))

    def shown(self, iid: str) -> tuple:
        return tuple(self.tree.item(iid, "values"))

    def set_heading(self, column: str, text: str) -> None:
        self.headings[column] = text
        self._fit_headings()
        self._measure_content()

    # -- widths -------------------------------------------------------------------------------------
    def _resized(self, event) -> None:
        self._room = event.width - round(self.dot_column * self.style.scale) - 2
        self._reshare()

    def _reshare(self) -> None:
        if self._room <= 0:
            return
        widths = share_widths(self.columns, self._room, self.style.scale, self.content)
        if widths == self.widths:
            return
        self.widths = widths
        try:
            for c, w in zip(self.columns, widths, strict=True):
                self.tree.column(c.id, width=w)
        except tk.TclError:
            return
        self._fit_headings()
        self._fitted = {}
        self._fit_soon()

    def _fit_headings(self) -> None:
        fit, scale = self.style.heading_ellipsizer.fit, self.style.scale
        for c, w in zip(self.columns, self.widths, strict=True):
            self.tree.heading(c.id, text=fit(self.headings[c.id], heading_room(w, scale)))

    def _fit_soon(self) -> None:
        if self._fit_job is None:
            self._fit_job = self.tree.after_idle(self._fit_visible)

    def _fit_visible(self) -> None:
        """Shorten the texts of the rows in view (and one more) to their columns' widths."""
        self._fit_job = None
        tree = self.tree
        try:
            height = tree.winfo_height()
            rowheight = max(1, round(ROW_HEIGHT * self.style.scale))
            iid, y = "", 0
            while not iid and y < height:
                iid = tree.identify_row(y)
                y += rowheight // 2
            w, call, widths = str(tree), tree.tk.call, tuple(self.widths)
            for _ in range(height // rowheight + 2):
                if not iid:
                    break
                full = self.full.get(iid)
                if full is not None and self._fitted.get(iid) != widths:
                    call(w, "item", iid, "-values", self.fit_values(full))
                    self._fitted[iid] = widths
                iid = tree.next(iid)
        except tk.TclError:  # the table is being destroyed
            pass

    # -- tooltips of shortened cells ----------------------------------------------------------------
    def cell_text(self, x: int, y: int) -> str:
        """The whole text under the pointer when the cell (or heading) shows it shortened, else ""."""
        tree = self.tree
        column = tree.identify_column(x)
        if not column.startswith("#") or column == "#0":
            return ""
        index = int(column[1:]) - 1
        if not 0 <= index < len(self.columns):
            return ""
        if tree.identify_region(x, y) == "heading":
            whole = self.headings[self.columns[index].id]
            return whole if tree.heading(self.columns[index].id, "text") != whole else ""
        iid = tree.identify_row(y)
        if not iid or iid not in self.full:
            return ""
        whole, shown = str(self.full[iid][index]), str(tree.set(iid, self.columns[index].id))
        return whole if whole != shown else ""

    def _motion(self, event) -> None:
        where = (self.tree.identify_row(event.y), self.tree.identify_column(event.x))
        if where == self._tip_at:
            return
        self._hide_tip()
        self._tip_at = where
        text = self.cell_text(event.x, event.y)
        if text:
            x = event.x_root - self.tree.winfo_toplevel().winfo_rootx() + 12
            y = event.y_root - self.tree.winfo_toplevel().winfo_rooty() + 18
            self._tip_job = self.tree.after(DELAY_MS, lambda: tip_label(self.tree).show(self.tree, text, x, y))

    def _hide_tip(self) -> None:
        if self._tip_job is not None:
            self.tree.after_cancel(self._tip_job)
            self._tip_job = None
        self._tip_at = None
        tip = tip_label(self.tree)
        if tip.showing_for is self.tree:
            tip.hide()
