"""One helper object per Tk window (the job pump, the table style, the tip label, ...), kept here
rather than as attributes stuck on the window objects of other modules."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_objects: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def root_of(widget: Any) -> Any:
    """The application's main window (tkinter's root) of ``widget``."""
    return widget.nametowidget(".")


def one_per(window: Any, key: str, make: Callable[[], T]) -> T:
    """The ``key`` object of ``window``, made by ``make()`` the first time."""
    held = _objects.setdefault(window, {})
    if key not in held:
        held[key] = make()
    return held[key]


def get(window: Any, key: str) -> Any:
    return _objects.get(window, {}).get(key)


def forget(window: Any, key: str) -> None:
    _objects.get(window, {}).pop(key, None)
