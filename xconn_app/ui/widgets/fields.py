"""A labelled entry checked as you type: a tick at once when right; a problem only once the person
leaves the field (or presses Authorize / Save), never mid-typing. The message has room kept for two
lines, so the window does not grow when one appears."""

from __future__ import annotations

import tkinter.font as tkfont
from collections.abc import Callable

from ...core.errors import InvalidInput
from ..words import plain
from .keys import Entry
from .label import Text
from .perwindow import one_per
from .theme import ERROR_TEXT, GAP, OK_TEXT, font_family, scaled
from .tooltip import Tooltip

MESSAGE_LINES = 2


def fit_lines(text: str, font: tkfont.Font, width: int, lines: int = MESSAGE_LINES) -> str:
    """``text`` as it wraps at ``width``, cut to ``lines`` lines with "…" (the whole text goes in a tooltip)."""
    words, out, line = text.split(), [], ""
    for i, word in enumerate(words):
        candidate = f"{line} {word}".strip()
        if font.measure(candidate) <= width or not line:
            line = candidate
            continue
        out.append(line)
        line = word
        if len(out) == lines:
            rest = " ".join(words[i:])
            last = out[-1]
            while last and font.measure(last + " …") > width:
                last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
            out[-1] = (last + " …") if rest else last
            return "\n".join(out)
    out.append(line)
    return "\n".join(out)


class Field:
    """Label + entry in a grid row, the message below; ``check`` is a core.validate function."""

    def __init__(
        self,
        master,
        row: int,
        label: str,
        check,
        *,
        placeholder: str = "",
        width: int = 400,
        on_change: Callable[[], None] | None = None,
        tooltip: str = "",
    ):
        self.check = check
        self.on_change = on_change
        self.problem_shown = False
        self._last = ""
        self.label = Text(master, label)
        self.label.grid(row=row, column=0, sticky="w", padx=(0, GAP * 2), pady=(GAP // 2, 0))
        self.entry = Entry(master, width=width, placeholder_text=placeholder)
        self.entry.grid(row=row, column=1, columnspan=2, sticky="ew", pady=(GAP // 2, 0))
        self._width = scaled(master, width)
        self._font = one_per(
            master.nametowidget("."),
            "message font",
            lambda: tkfont.Font(master, family=font_family(), size=-scaled(master, 12)),
        )
        self.message = Text(master, "", size=12, anchor="nw")
        self._whole = ""
        Tooltip(self.message, lambda: self._whole if self._whole != self.message.cget("text") else "")
        self.message.grid(row=row + 1, column=1, columnspan=2, sticky="new")
        master.grid_rowconfigure(row + 1, minsize=scaled(master, 15 * MESSAGE_LINES))
        if tooltip:
            Tooltip(self.label, tooltip)
        inner = self.entry
        for sequence in ("<KeyRelease>", "<<Paste>>", "<<Cut>>", "<<Clear>>", "<ButtonRelease-2>"):
            inner.bind(sequence, lambda _e: self.entry.after_idle(self._maybe_changed), add="+")
        inner.bind("<FocusOut>", lambda _e: self.show_problem(), add="+")

    # -- value ---------------------------------------------------------------------------------------
    def get(self) -> str:
        return self.entry.get()

    def set(self, value: str) -> None:
        """Put a value in (loading a connection, or a test typing): checked like typing."""
        self.entry.delete(0, "end")
        if value:
            self.entry.insert(0, value)
        self._maybe_changed()

    def _maybe_changed(self) -> None:
        value = self.get()
        if value == self._last:
            return
        self._last = value
        self.verdict()
        if self.on_change:
            self.on_change()

    # -- verdict -------------------------------------------------------------------------------------
    def problem(self) -> str:
        """The problem with the value in plain words, "" when it is right."""
        try:
            self.check(self.get())
        except InvalidInput as exc:
            return plain(exc.message + (f" {exc.next_step}" if exc.next_step else ""))
        return ""

    @property
    def valid(self) -> bool:
        return not self.problem()

    def verdict(self) -> None:
        """While typing: a tick when right; a problem stays only if it was shown already."""
        problem = self.problem()
        if not problem:
            self._show("✓" if self.get().strip() else "", OK_TEXT, False)
        elif self.problem_shown:
            self._show(problem, ERROR_TEXT, True)
        else:
            self._show("", OK_TEXT, False)

    def show_problem(self) -> bool:
        """Leaving the field, or Authorize / Save pressed: show what is wrong. True when right."""
        if not self.entry.enabled:
            return True
        problem = self.problem()
        if problem and (self.get().strip() or self.problem_shown or self._forced):
            self._show(problem, ERROR_TEXT, True)
        return not problem

    _forced = False

    def require(self) -> bool:
        """Authorize / Save pressed: an empty field is a problem too."""
        self._forced = True
        try:
            return self.show_problem()
        finally:
            self._forced = False

    def _show(self, text: str, colour, problem: bool) -> None:
        self.problem_shown = problem
        self._whole = text
        self.message.show(fit_lines(text, self._font, self._width), colour)
        self.entry.mark_problem(problem)

    @property
    def message_text(self) -> str:
        """The whole message (the label may show it shortened to two lines, the rest in a tooltip)."""
        return self._whole

    def enable(self, on: bool = True) -> None:
        self.entry.set_enabled(on)
