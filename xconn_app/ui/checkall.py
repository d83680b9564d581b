"""Check all: every connection asked of Xero one after another (each on a worker), then a summary."""

from __future__ import annotations

from ..core.errors import XconnError
from ..core.text import visible
from .background import run_in_background
from .dialogs import describe, unexpected_text
from .words import plain, plural


class CheckRun:
    """Checks connections in turn; reports progress and the results on the Tk thread."""

    def __init__(self, widget, service, connections: list[tuple[str, str]], on_progress, on_done):
        self.widget, self.service = widget, service
        self.connections = list(connections)  # (id, name shown)
        self.on_progress, self.on_done = on_progress, on_done
        self.results: list = []

    def start(self) -> None:
        self._next()

    def _next(self) -> None:
        index = len(self.results)
        if index >= len(self.connections):
            self.on_progress(len(self.connections), len(self.connections), "")
            self.on_done(self.results)
            return
        cid, name = self.connections[index]
        self.on_progress(index, len(self.connections), name)
        run_in_background(self.widget, lambda: self.service.check(cid), self._got, self._failed)

    def _got(self, result) -> None:
        self.results.append(result)
        self._next()

    def _failed(self, exc) -> None:
        if not isinstance(exc, XconnError):
            describe(exc)  # logs it
        self.results.append(exc)
        self._next()


def check_summary(results) -> tuple[str, str, bool]:
    """(title, text, all fine) for the box after Check all; no command lines, plurals right."""
    problems, unexpected, ok = [], 0, 0
    for r in results:
        if isinstance(r, XconnError):
            problems.append(f"• {plain(r.message)}" + (f"\n   → {plain(r.next_step)}" if r.next_step else ""))
        elif isinstance(r, BaseException):
            unexpected += 1
        elif r.ok:
            ok += 1
        else:
            problems.append(
                f"• {visible(r.connection.name)}: {plain(r.message)}"
                + (f"\n   → {plain(r.next_step)}" if r.next_step else "")
            )
    total = len(results)
    if not problems and not unexpected:
        if total == 1:
            return "The connection works", "It answered Xero correctly.", True
        return "All connections work", f"All {plural(total, 'connection')} answered Xero correctly.", True
    works = "works" if ok == 1 else "work"
    lines = [
        f"{ok:,} of {plural(total, 'connection')} {works}. "
        f"{'This one needs' if len(problems) + unexpected == 1 else 'These need'} attention:",
        "",
        *problems,
    ]
    if unexpected:
        lines += ["", unexpected_text()]
    return (
        "A connection needs attention" if len(problems) + unexpected == 1 else "Some connections need attention",
        "\n".join(lines),
        False,
    )
