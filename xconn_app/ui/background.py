"""Run blocking work off the Tk thread and hand the result back on it.

Tk must only be touched from the thread that created it, so workers put their result on a
queue and the Tk thread polls that queue with ``after()``. Every view uses ``run_in_background``;
no view starts threads itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

POLL_MS = 5  # hand-off latency of every result; polled only while jobs are pending (~20 us a poll)


class _Pump:
    """One per Tk root: a queue of finished jobs and an ``after()`` loop that drains it."""

    def __init__(self, root):
        import queue  # here, not at import: the first paint does not need it

        self.root = root
        self.results: queue.Queue = queue.Queue()
        self._empty = queue.Empty
        self.pending = 0
        self.polling = False

    def start(self) -> None:
        if not self.polling:
            self.polling = True
            self.root.after(POLL_MS, self._poll)

    def _poll(self) -> None:
        while True:
            try:
                widget, callback, value = self.results.get_nowait()
            except self._empty:
                break
            self.pending -= 1
            if callback is None or not _alive(widget):
                continue
            # after(0) keeps each delivery its own event, so one slow callback cannot starve Tk.
            widget.after(0, callback, value)
        if self.pending > 0:
            self.root.after(POLL_MS, self._poll)
        else:
            self.polling = False


def _alive(widget) -> bool:
    try:
        return bool(widget.winfo_exists())
    except Exception:  # the application is gone
        return False


def _reraise(exc: BaseException):
    raise exc


def _pump_for(widget) -> _Pump:
    from .widgets.perwindow import one_per, root_of

    root = root_of(widget)
    return one_per(root, "pump", lambda: _Pump(root))


def run_in_background(
    widget,
    work: Callable[[], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> threading.Thread:
    """Call ``work()`` on a daemon thread; then ``on_done(result)`` or ``on_error(exc)`` on the Tk thread.

    Callbacks are dropped when ``widget`` was destroyed meanwhile (a dialog closed early).
    """
    if on_error is None:
        on_error = _reraise  # lands in Tk's report_callback_exception: logged and shown plainly
    pump = _pump_for(widget)
    pump.pending += 1
    pump.start()

    def worker():
        try:
            result = work()
        except BaseException as exc:
            pump.results.put((widget, on_error, exc))
        else:
            pump.results.put((widget, on_done, result))

    thread = threading.Thread(target=worker, name="xconn-ui-worker", daemon=True)
    thread.start()
    return thread


def busy(widget) -> int:
    """How many background jobs of this widget's application are still running (for tests)."""
    from .widgets.perwindow import get, root_of

    pump = get(root_of(widget), "pump")
    return pump.pending if pump else 0


def runner(widget) -> Callable[[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]], None]:
    """``run_in_background`` bound to ``widget``, in the shape core.authflow's Runner has."""

    def run(work, on_done, on_error) -> None:
        run_in_background(widget, work, on_done, on_error)

    return run
