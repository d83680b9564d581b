"""A test double for ui.dialogs.Dialogs: records every message box instead of showing it.

confirm answers from ``answers`` (else yes), choose from ``choices`` (else the first option),
ask_save_path / ask_open_path from ``paths`` (else None: cancelled).
"""

from __future__ import annotations

from xconn_app.ui.dialogs import Dialogs, describe


class RecordingDialogs(Dialogs):
    def __init__(self, answers=None, *, choices=None, paths=None):
        super().__init__(None)
        self.calls: list[tuple[str, str, str]] = []
        self.answers = list(answers or [])
        self.choices = list(choices or [])
        self.paths = list(paths or [])

    def info(self, title, text, *, parent=None):
        self.calls.append(("info", title, text))

    def success(self, title, text, *, parent=None):
        self.calls.append(("success", title, text))

    def warning(self, title, text, *, parent=None):
        self.calls.append(("warning", title, text))

    def error(self, exc_or_title, text=None, *, parent=None):
        title, body = describe(exc_or_title, text)
        self.calls.append(("error", title, body))

    def confirm(self, title, text, *, yes, no="Cancel", danger=False, parent=None):
        self.calls.append(("confirm", title, text))
        return self.answers.pop(0) if self.answers else True

    def choose(self, title, text, options, *, parent=None):
        self.calls.append(("choose", title, text))
        answer = self.choices.pop(0) if self.choices else next(iter(options))
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

    def of(self, kind: str) -> list[tuple[str, str, str]]:
        return [c for c in self.calls if c[0] == kind]
