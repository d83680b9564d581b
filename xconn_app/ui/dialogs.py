"""Every message box goes through ``Dialogs`` (tests give the window a recording double instead).

Also ``Modal``, the base of every xconn window but the main one: transient to its master, grabs the
input, centred, WM_CLASS "Xconn"; it binds Tab order, Enter (the window's next step) and Escape
through widgets/keys.py.
"""

from __future__ import annotations

import contextlib
import logging
import tkinter as tk
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import customtkinter as ctk

from .widgets.keys import ENTER_KEYS, Button, TabOrder, focus
from .widgets.theme import ERROR_TEXT, GAP, OK_TEXT, PAD, WARN_TEXT, header_font, pick, scaled

log = logging.getLogger("xconn.ui")


def unexpected_text() -> str:
    from ..core.logs import log_path

    where = log_path()
    return f"Something unexpected went wrong. Details were written to {where if where else 'the xconn log file'}."


def describe(exc_or_title, text: str | None = None) -> tuple[str, str]:
    """(title, plain text) for an error, an unexpected exception or a plain title + text."""
    from ..core.errors import XconnError
    from .words import plain

    if isinstance(exc_or_title, XconnError):
        if exc_or_title.__cause__ is not None:  # what the plain message translated, for support (log redacts)
            log.warning("%s (caused by %r)", exc_or_title.message, exc_or_title.__cause__)
        body = plain(exc_or_title.message)
        if exc_or_title.next_step:
            body += "\n\n" + plain(exc_or_title.next_step)
        return exc_or_title.title, body
    if isinstance(exc_or_title, BaseException):
        log.error("unexpected error", exc_info=(type(exc_or_title), exc_or_title, exc_or_title.__traceback__))
        return "Something went wrong", unexpected_text()
    return str(exc_or_title), text or ""


def collect_tk_garbage() -> None:
    """Collect reference cycles now, on the Tk thread.

    Fonts, images and variables of closed windows call Tk in ``__del__``; if a worker thread's
    allocation triggered the cyclic collector, that Tk call would come from the wrong thread.
    """
    import gc

    gc.collect()


class Modal(ctk.CTkToplevel):
    """A dialog window. Subclasses may override ``enter()`` (Enter in a field: the next step) and
    ``escape()`` (default: close), and give their Tab order with ``set_tab_order``."""

    def __init__(
        self,
        master,
        title: str,
        *,
        resizable: bool = False,
        on_escape: Callable[[], None] | None = None,
        on_enter: Callable[[], None] | None = None,
    ):
        # Tk's -class option (tkinter's class_=, spelt "class" because CTkToplevel only passes
        # that name on): WM_CLASS "Xconn" like the main window, so docks group the dialog with it
        super().__init__(master, **{"class": "Xconn"})
        self.withdraw()
        self.title(title)
        self.transient(master.winfo_toplevel())
        self.resizable(resizable, resizable)
        self._previous_grab = None
        self.tab_order: TabOrder | None = None
        self.closed = False
        self._on_escape, self._on_enter = on_escape, on_enter
        self.protocol("WM_DELETE_WINDOW", lambda: self.escape())
        self.bind("<Escape>", lambda _e: self.escape())
        for key in ENTER_KEYS:
            self.bind(key, self._enter_key)
        from .icon import set_dialog_icon

        set_dialog_icon(self)

    # -- keys ----------------------------------------------------------------------------------------
    def set_tab_order(self, items: Callable[[], Iterable[Any]]) -> TabOrder:
        self.tab_order = TabOrder(self, items)
        return self.tab_order

    def _enter_key(self, _event=None) -> str:
        self.enter()
        return "break"

    def enter(self) -> None:
        """Enter pressed in a field (buttons handle their own Enter)."""
        if self._on_enter is not None:
            self._on_enter()

    def escape(self) -> None:
        """Escape or the window's close button."""
        if self._on_escape is not None:
            self._on_escape()
        else:
            self.close()

    # -- showing and closing --------------------------------------------------------------------------
    def show(self, first=None) -> None:
        """Centre over the master (inside the screen), show, take the input grab, focus ``first``."""
        self.update_idletasks()
        master = self.master.winfo_toplevel()
        w, h = self.winfo_reqwidth(), self.winfo_reqheight()
        sw, sh = self.winfo_screenwidth(), self.winfo_screenheight()
        x = master.winfo_rootx() + max(0, (master.winfo_width() - w) // 2)
        y = master.winfo_rooty() + max(0, (master.winfo_height() - h) // 3)
        x, y = max(0, min(x, sw - w)), max(0, min(y, sh - h - scaled(self, 40)))
        self.geometry(f"+{x}+{y}")
        self.deiconify()
        self.lift()
        try:
            self._previous_grab = self.grab_current()
            self.grab_set()
        except tk.TclError:  # not viewable yet; try once more shortly
            self.after(50, self._grab_later)
        self.focus_force()
        if first is not None:
            focus(first)
        elif self.tab_order is not None:
            self.tab_order.first()

    def _grab_later(self) -> None:
        try:
            if self.winfo_exists():
                self.grab_set()
        except tk.TclError:
            pass

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(tk.TclError):
            self.grab_release()
        previous = self._previous_grab
        root = self.nametowidget(".")
        self.destroy()
        # On the Tk thread, but as an event of its own: destroying and collecting in one go held Tk ~40 ms.
        root.after(0, collect_tk_garbage)
        if previous is not None:
            try:
                if previous.winfo_exists():
                    previous.grab_set()
            except tk.TclError:
                pass


class MessageBox(Modal):
    """A customtkinter message box: icon, bold title, wrapped text, focusable buttons on the right.

    ``focus_on`` is the button that has the focus first (the default); a box about deleting or
    discarding opens with the focus on its Cancel.
    """

    ICONS: ClassVar[dict[str, tuple]] = {
        "info": ("i", ("#3B8ED0", "#1F6AA5")),
        "error": ("!", ("#C62828", "#E53935")),
        "warning": ("!", ("#B26A00", "#F9A825")),
        "question": ("?", ("#3B8ED0", "#1F6AA5")),
        "success": ("✓", ("#2E7D32", "#43A047")),
    }

    def __init__(
        self,
        master,
        title: str,
        text: str,
        *,
        kind: str = "info",
        buttons=("OK",),
        focus_on: str | None = None,
        danger: str | None = None,
    ):
        super().__init__(master, title)
        self.result = None
        letter, colour = self.ICONS.get(kind, self.ICONS["info"])
        body = ctk.CTkFrame(self, fg_color="transparent")
        body.pack(fill="both", expand=True, padx=PAD * 2, pady=(PAD * 2, PAD))
        icon = ctk.CTkLabel(
            body,
            text=letter,
            width=40,
            height=40,
            corner_radius=20,
            fg_color=colour,
            text_color="#FFFFFF",
            font=ctk.CTkFont(size=20, weight="bold"),
        )
        icon.grid(row=0, column=0, rowspan=2, sticky="n", padx=(0, PAD + 4))
        ctk.CTkLabel(body, text=title, font=header_font(), anchor="w", justify="left").grid(row=0, column=1, sticky="w")
        self.text_label = ctk.CTkLabel(body, text=text, anchor="w", justify="left", wraplength=440)
        self.text_label.grid(row=1, column=1, sticky="w", pady=(GAP, 0))
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.pack(fill="x", padx=PAD * 2, pady=(PAD, PAD * 2))
        self.buttons: dict[str, Button] = {}
        self.order = list(buttons)
        focus_on = focus_on or buttons[0]
        for label in reversed(buttons):
            kind_of = "danger" if label == danger else ("primary" if label == buttons[0] else "secondary")
            b = Button(row, label, kind=kind_of, width=96, command=lambda v=label: self._answer(v))
            b.pack(side="right", padx=(GAP, 0))
            self.buttons[label] = b
        self.set_tab_order(lambda: [self.buttons[label] for label in self.order])
        self._first = self.buttons[focus_on]

    def show(self, first=None) -> None:
        super().show(first or self._first)

    def _answer(self, value) -> None:
        self.result = value
        self.close()


JSON_FILES = [("xconn export", "*.json"), ("All files", "*")]


def documents_folder() -> str:
    """The user's Documents folder (where file dialogs open), else the home folder."""
    import os

    try:
        import platformdirs

        folder = platformdirs.user_documents_dir()
        if folder and os.path.isdir(folder):
            return folder
    except Exception:
        log.debug("no documents folder", exc_info=True)
    return os.path.expanduser("~")


class Dialogs:
    """Message boxes and file dialogs for people."""

    def __init__(self, master=None):
        self.master = master

    def _parent(self, parent):
        parent = parent or self.master
        try:  # the topmost dialog that holds the grab, so the box appears above it
            grabbed = parent.grab_current() if parent is not None else None
            if grabbed is not None and grabbed.winfo_exists():
                return grabbed
        except (tk.TclError, KeyError):
            pass
        return parent

    def _show(self, box: MessageBox):
        box.show()
        box.wait_window()
        return box.result

    def info(self, title: str, text: str, *, parent=None) -> None:
        self._show(MessageBox(self._parent(parent), title, text, kind="info"))

    def success(self, title: str, text: str, *, parent=None) -> None:
        self._show(MessageBox(self._parent(parent), title, text, kind="success"))

    def warning(self, title: str, text: str, *, parent=None) -> None:
        self._show(MessageBox(self._parent(parent), title, text, kind="warning"))

    def error(self, exc_or_title, text: str | None = None, *, parent=None) -> None:
        title, body = describe(exc_or_title, text)
        self._show(MessageBox(self._parent(parent), title, body, kind="error"))

    def confirm(
        self, title: str, text: str, *, yes: str, no: str = "Cancel", danger: bool = False, parent=None
    ) -> bool:
        """A question with two answers; ``danger`` (deleting, discarding): red, and the focus on ``no``."""
        box = MessageBox(
            self._parent(parent),
            title,
            text,
            kind="warning" if danger else "question",
            buttons=(yes, no),
            focus_on=no if danger else yes,
            danger=yes if danger else None,
        )
        return self._show(box) == yes

    def choose(self, title: str, text: str, options, *, parent=None) -> str | None:
        """One of ``options`` (the first is the default button); None when the box is closed."""
        options = tuple(options)
        return self._show(MessageBox(self._parent(parent), title, text, kind="question", buttons=options))

    def ask_save_path(self, title: str, initialfile: str = "", *, parent=None) -> str | None:
        """A file to write (the system's Save dialog, in Documents); None when cancelled."""
        from tkinter import filedialog

        path = filedialog.asksaveasfilename(
            parent=self._parent(parent),
            title=title,
            initialfile=initialfile,
            initialdir=documents_folder(),
            defaultextension=".json",
            filetypes=JSON_FILES,
        )
        return path or None  # "" or () when cancelled

    def ask_open_path(self, title: str, *, parent=None) -> str | None:
        """A file to read (the system's Open dialog, in Documents); None when cancelled."""
        from tkinter import filedialog

        path = filedialog.askopenfilename(
            parent=self._parent(parent), title=title, initialdir=documents_folder(), filetypes=JSON_FILES
        )
        return path or None


def tone_colour(tone: str):
    """The text colour of a tone: ok, error, warn, muted (anything else)."""
    from .widgets.theme import MUTED_TEXT

    return {"ok": OK_TEXT, "error": ERROR_TEXT, "warn": WARN_TEXT}.get(tone, MUTED_TEXT)


__all__ = ["Dialogs", "MessageBox", "Modal", "collect_tk_garbage", "describe", "pick", "tone_colour"]
