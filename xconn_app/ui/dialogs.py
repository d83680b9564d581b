"""Every message box goes through ``Dialogs`` so tests can answer them (``RecordingDialogs``).

Also the shared modal-window base and a read-only text dialog with a Copy button.
"""

from __future__ import annotations

import logging
import tkinter as tk

import customtkinter as ctk

from .widgets.theme import ERROR_TEXT, GAP, MUTED_TEXT, OK_TEXT, PAD, header_font

log = logging.getLogger("xconn.ui")


def unexpected_text() -> str:
    from ..core.logs import log_path

    where = log_path()
    return ("Something unexpected went wrong. Details were written to "
            f"{where if where else 'the xconn log file'}.")


def describe(exc_or_title, text: str | None = None) -> tuple[str, str]:
    """(title, plain text) for an error, an unexpected exception or a plain title + text."""
    from ..core.errors import XconnError

    if isinstance(exc_or_title, XconnError):
        body = exc_or_title.message
        if exc_or_title.next_step:
            body += "\n\n" + exc_or_title.next_step
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
    """A dialog window: transient to its master, grabs input, centred over it, Escape closes."""

    def __init__(self, master, title: str, *, resizable: bool = False):
        # Tk's -class option (tkinter's class_=, spelt "class" because CTkToplevel only passes
        # that name on): WM_CLASS "Xconn" like the main window, so docks group the dialog with it
        super().__init__(master, **{"class": "Xconn"})
        self.withdraw()
        self.title(title)
        self.transient(master.winfo_toplevel())
        self.resizable(resizable, resizable)
        self._previous_grab = None
        self.protocol("WM_DELETE_WINDOW", self.close)
        self.bind("<Escape>", lambda _e: self.close())
        from .icon import set_dialog_icon

        set_dialog_icon(self)

    def show(self) -> None:
        """Centre over the master, show, and take the input grab."""
        self.update_idletasks()
        master = self.master.winfo_toplevel()
        w, h = self.winfo_reqwidth(), self.winfo_reqheight()
        x = master.winfo_rootx() + max(0, (master.winfo_width() - w) // 2)
        y = master.winfo_rooty() + max(0, (master.winfo_height() - h) // 3)
        self.geometry(f"+{x}+{y}")
        self.deiconify()
        self.lift()
        try:
            self._previous_grab = self.grab_current()
            self.grab_set()
        except tk.TclError:  # not viewable yet; try once more shortly
            self.after(50, self._grab_later)
        self.focus_force()

    def _grab_later(self) -> None:
        try:
            self.grab_set()
        except tk.TclError:
            pass

    def close(self) -> None:
        try:
            self.grab_release()
        except tk.TclError:
            pass
        previous = self._previous_grab
        self.destroy()
        collect_tk_garbage()
        if previous is not None:
            try:
                if previous.winfo_exists():
                    previous.grab_set()
            except tk.TclError:
                pass


class MessageBox(Modal):
    """A customtkinter message box: icon letter, bold title, wrapped text, buttons on the right."""

    ICONS = {"info": ("i", ("#3B8ED0", "#1F6AA5")), "error": ("!", ("#C62828", "#E53935")),
             "question": ("?", ("#3B8ED0", "#1F6AA5")), "success": ("✓", ("#2E7D32", "#43A047"))}

    def __init__(self, master, title: str, text: str, *, kind: str = "info", buttons=("OK",), default=None):
        super().__init__(master, title)
        self.result = None
        letter, colour = self.ICONS.get(kind, self.ICONS["info"])
        body = ctk.CTkFrame(self, fg_color="transparent")
        body.pack(fill="both", expand=True, padx=PAD * 2, pady=(PAD * 2, PAD))
        icon = ctk.CTkLabel(body, text=letter, width=40, height=40, corner_radius=20, fg_color=colour,
                            text_color="#FFFFFF", font=ctk.CTkFont(size=20, weight="bold"))
        icon.grid(row=0, column=0, rowspan=2, sticky="n", padx=(0, PAD + 4))
        ctk.CTkLabel(body, text=title, font=header_font(), anchor="w", justify="left").grid(row=0, column=1, sticky="w")
        self.text_label = ctk.CTkLabel(body, text=text, anchor="w", justify="left", wraplength=420)
        self.text_label.grid(row=1, column=1, sticky="w", pady=(GAP, 0))
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.pack(fill="x", padx=PAD * 2, pady=(PAD, PAD * 2))
        self.buttons = {}
        for label in reversed(buttons):
            is_default = label == (default or buttons[0])
            b = ctk.CTkButton(row, text=label, width=96, command=lambda v=label: self._answer(v),
                              **({} if is_default else {"fg_color": "transparent", "border_width": 1,
                                                        "text_color": ("gray10", "gray90")}))
            b.pack(side="right", padx=(GAP, 0))
            self.buttons[label] = b
        self.bind("<Return>", lambda _e: self._answer(default or buttons[0]))

    def _answer(self, value) -> None:
        self.result = value
        self.close()


JSON_FILES = [("xconn export (*.json)", "*.json"), ("All files", "*")]


class Dialogs:
    """Message boxes for people. Tests use ``RecordingDialogs`` instead."""

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
        kind = "success" if title.lower().startswith("connected") else "info"
        self._show(MessageBox(self._parent(parent), title, text, kind=kind))

    def error(self, exc_or_title, text: str | None = None, *, parent=None) -> None:
        title, body = describe(exc_or_title, text)
        self._show(MessageBox(self._parent(parent), title, body, kind="error"))

    def ask_yes_no(self, title: str, text: str, *, parent=None) -> bool:
        box = MessageBox(self._parent(parent), title, text, kind="question", buttons=("Yes", "No"))
        return self._show(box) == "Yes"

    def choose(self, title: str, text: str, options, *, parent=None) -> str | None:
        """One of ``options`` (the first is the default button); None when the box is closed."""
        options = tuple(options)
        return self._show(MessageBox(self._parent(parent), title, text, kind="question", buttons=options,
                                     default=options[0]))

    def ask_save_path(self, title: str, initialfile: str = "", *, parent=None) -> str | None:
        """A file to write (the system's Save dialog); None when cancelled."""
        from tkinter import filedialog

        path = filedialog.asksaveasfilename(parent=self._parent(parent), title=title, initialfile=initialfile,
                                            defaultextension=".json", filetypes=JSON_FILES)
        return path or None  # "" or () when cancelled

    def ask_open_path(self, title: str, *, parent=None) -> str | None:
        """A file to read (the system's Open dialog); None when cancelled."""
        from tkinter import filedialog

        path = filedialog.askopenfilename(parent=self._parent(parent), title=title, filetypes=JSON_FILES)
        return path or None


class RecordingDialogs(Dialogs):
    """Records every message box instead of showing it.

    ask_yes_no answers from ``answers`` (else Yes), choose from ``choices`` (else the first option),
    ask_save_path / ask_open_path from ``paths`` (else None: cancelled).
    """

    def __init__(self, answers=None, *, choices=None, paths=None):
        super().__init__(None)
        self.calls: list[tuple[str, str, str]] = []
        self.answers = list(answers or [])
        self.choices = list(choices or [])
        self.paths = list(paths or [])

    def info(self, title, text, *, parent=None):
        self.calls.append(("info", title, text))

    def error(self, exc_or_title, text=None, *, parent=None):
        title, body = describe(exc_or_title, text)
        self.calls.append(("error", title, body))

    def ask_yes_no(self, title, text, *, parent=None):
        self.calls.append(("ask", title, text))
        return self.answers.pop(0) if self.answers else True

    def choose(self, title, text, options, *, parent=None):
        self.calls.append(("choose", title, text))
        answer = self.choices.pop(0) if self.choices else tuple(options)[0]
        assert answer is None or answer in options, f"{answer!r} is not one of {options!r}"
        return answer

    def ask_save_path(self, title, initialfile="", *, parent=None):
        self.calls.append(("save", title, initialfile))
        return self._next_path()

    def ask_open_path(self, title, *, parent=None):
        self.calls.append(("open", title, ""))
        return self._next_path()

    def _next_path(self):
        path = self.paths.pop(0) if self.paths else None
        return str(path) if path else None

    def titles(self, kind: str | None = None) -> list[str]:
        return [t for k, t, _ in self.calls if kind is None or k == kind]


class TextDialog(Modal):
    """Read-only text with a Copy button (Details, History, Diagnose)."""

    def __init__(self, master, title: str, text: str = "", *, heading: str | None = None, width=640, height=380,
                 copy_label: str = "Copy"):
        super().__init__(master, title, resizable=True)
        self.minsize(420, 260)
        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(1, weight=1)
        ctk.CTkLabel(self, text=heading or title, font=header_font(), anchor="w").grid(
            row=0, column=0, sticky="ew", padx=PAD * 2, pady=(PAD * 2, GAP))
        self.textbox = ctk.CTkTextbox(self, width=width, height=height, wrap="word",
                                      font=ctk.CTkFont(size=13), border_width=1)
        self.textbox.grid(row=1, column=0, sticky="nsew", padx=PAD * 2)
        self.textbox.tag_config("label", foreground=MUTED_TEXT[ctk.get_appearance_mode() == "Dark"])
        self.textbox.tag_config("ok", foreground=OK_TEXT[ctk.get_appearance_mode() == "Dark"])
        self.textbox.tag_config("bad", foreground=ERROR_TEXT[ctk.get_appearance_mode() == "Dark"])
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.grid(row=2, column=0, sticky="ew", padx=PAD * 2, pady=PAD * 2)
        self.status = ctk.CTkLabel(row, text="", text_color=MUTED_TEXT, anchor="w")
        self.status.pack(side="left")
        self.close_button = ctk.CTkButton(row, text="Close", width=96, command=self.close)
        self.close_button.pack(side="right")
        self.copy_button = ctk.CTkButton(row, text=copy_label, width=110, command=self.copy, fg_color="transparent",
                                         border_width=1, text_color=("gray10", "gray90"))
        self.copy_button.pack(side="right", padx=(0, GAP))
        self.set_text(text)

    def set_text(self, text: str, tagged: list[tuple[str, str]] | None = None) -> None:
        """Plain text, or a list of (text, tag) pieces."""
        self.textbox.configure(state="normal")
        self.textbox.delete("1.0", "end")
        for piece, tag in (tagged or [(text, "")]):
            self.textbox.insert("end", piece, tag or ())
        self.textbox.configure(state="disabled")

    @property
    def text(self) -> str:
        return self.textbox.get("1.0", "end-1c")

    def copy(self) -> None:
        self.clipboard_clear()
        self.clipboard_append(self.text)
        self.status.configure(text="Copied to the clipboard.")


def facts_pieces(facts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """label: value lines, labels muted."""
    pieces = []
    for label, value in facts:
        pieces += [(f"{label}: ", "label"), (f"{value}\n", "")]
    return pieces
