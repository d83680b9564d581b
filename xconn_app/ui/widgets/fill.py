"""Fill a ttk.Treeview in slices, so a 10,000-row table never blocks the Tk loop for long.

The first screenful goes in at once (the person sees rows at the first paint after the fill
starts); the rest follows in ``after(1)`` slices of CHUNK rows (~5-10 ms each), so key presses,
clicks and redraws get their turn in between. Starting a new fill cancels the one running.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence

FIRST = 150  # rows inserted at once: more than a maximised window shows
CHUNK = 500  # rows per later slice


class TableFill:
    """``start(items, row)``: ``row(item, index)`` returns (iid, image, values, tags) for each item."""

    def __init__(self, tree):
        self.tree = tree
        self.done = True
        self.longest = 0.0  # the longest slice of the last fill, in seconds (for the bench and tests)
        self._job = None
        self._items: Sequence = ()
        self._row = None
        self._pos = 0
        self._on_done: list[Callable[[], None]] = []

    def clear(self) -> None:
        """Remove every row in one Tcl call (``delete`` takes a list; no 10,000-argument tuple)."""
        w, call = str(self.tree), self.tree.tk.call
        call(w, "delete", call(w, "children", ""))

    def start(self, items: Sequence, row, on_done: Callable[[], None] | None = None) -> None:
        self.cancel()
        self.clear()
        self._items, self._row, self._pos = items, row, 0
        self._on_done = [on_done] if on_done else []
        self.done = False
        self.longest = 0.0
        self._slice(FIRST)

    def when_done(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once every row is in (at once when no fill is running)."""
        if self.done:
            callback()
        else:
            self._on_done.append(callback)

    def cancel(self) -> None:
        if self._job is not None:
            with contextlib.suppress(Exception):
                self.tree.after_cancel(self._job)
            self._job = None
        self._on_done = []
        self.done = True

    def _slice(self, count: int) -> None:
        self._job = None
        started = time.perf_counter()
        w, call, row = str(self.tree), self.tree.tk.call, self._row
        end = min(len(self._items), self._pos + count)
        for index in range(self._pos, end):
            iid, image, values, tags = row(self._items[index], index)
            # tk.call with ready tuples: ttk.Treeview.insert's option formatting is a third of the cost.
            if image:
                call(w, "insert", "", "end", "-id", iid, "-image", image, "-values", values, "-tags", tags)
            else:
                call(w, "insert", "", "end", "-id", iid, "-values", values, "-tags", tags)
        self._pos = end
        self.longest = max(self.longest, time.perf_counter() - started)
        if end < len(self._items):
            self._job = self.tree.after(1, self._slice, CHUNK)
            return
        self.done = True
        callbacks, self._on_done = self._on_done, []
        for callback in callbacks:
            callback()
