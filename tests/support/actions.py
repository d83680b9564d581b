"""A person at the keyboard or the mouse, counted (issue 11, "Precise terms"):

An action is one click, one key press (Enter, Space, Escape, Tab or a shortcut), or filling one
text field (getting into it and typing count once). "Allow access" on Xero's page is one action.
Keys and clicks are real X events (xdotool, XTEST) into the window under openbox, so Tk's own
bindings, focus and the window manager take part exactly as for a person.
"""

from __future__ import annotations

import subprocess
import threading
import time

from xvfb import pump


class Person:
    def __init__(self, win):
        self.win = win
        self.actions: list[str] = []

    # -- the keyboard --------------------------------------------------------------------------------
    def key(self, keysym: str, *, settle: float = 0.15) -> None:
        """One key press (e.g. "Return", "Tab", "ctrl+n", "Escape")."""
        self.actions.append(f"key {keysym}")
        self._xdotool("key", "--clearmodifiers", keysym)
        self.settle(settle)

    def type(self, text: str, *, settle: float = 0.15) -> None:
        """Typing into the focused field (the field counts once, with getting into it)."""
        self._xdotool("type", "--delay", "0", "--clearmodifiers", text)
        self.settle(settle)

    def fill_focused(self, text: str) -> None:
        """Filling the field that has the focus already (one action)."""
        self.actions.append(f"fill {text[:12]}")
        self.type(text)

    def tab_and_fill(self, text: str) -> None:
        """Tab into the next field and type (one action: getting into it and typing count once)."""
        self.actions.append(f"fill {text[:12]}")
        self._xdotool("key", "--clearmodifiers", "Tab")
        self.settle(0.1)
        self.type(text)

    # -- the mouse -----------------------------------------------------------------------------------
    def click(self, widget, *, settle: float = 0.2, button: int = 1) -> None:
        """One click in the middle of ``widget``."""
        self.actions.append(
            f"click {getattr(widget, 'cget', lambda _k: '')('text') if hasattr(widget, 'cget') else ''}"
        )
        self._click_at(widget, button)
        self.settle(settle)

    def click_and_fill(self, widget, text: str) -> None:
        """Click into a field and type (one action)."""
        self.actions.append(f"fill {text[:12]}")
        self._click_at(widget, 1)
        self.settle(0.1)
        self.type(text)

    def _click_at(self, widget, button: int) -> None:
        self.win.update()
        x = widget.winfo_rootx() + widget.winfo_width() // 2
        y = widget.winfo_rooty() + widget.winfo_height() // 2
        self._xdotool("mousemove", "--sync", str(x), str(y))
        self.settle(0.05)
        self._xdotool("click", str(button))

    # -- the browser -----------------------------------------------------------------------------------
    def allow_access(self, browser) -> None:
        """'Allow access' on Xero's page (one action)."""
        self.actions.append("allow access")
        browser.allow()

    # -- helpers ---------------------------------------------------------------------------------------
    def settle(self, seconds: float) -> None:
        pump(self.win, seconds=seconds)

    def wait(self, until, timeout: float = 20.0) -> None:
        pump(self.win, until, timeout=timeout)

    @property
    def count(self) -> int:
        return len(self.actions)

    def _xdotool(self, *args: str) -> None:
        self.win.update()
        subprocess.run(["xdotool", *args], check=True, timeout=20)


class Browser:
    """The default browser: opening the sign-in address shows Xero's page; ``allow()`` is the person
    pressing Allow access there (the stand-in, with auto consent, then sends the browser on to xconn's
    redirect URL). Install with ``monkeypatch.setattr(PendingAuthorization, "open_browser", ...)``."""

    def __init__(self, standin):
        self.standin = standin
        self.opened: list[str] = []

    def open(self, url: str) -> bool:
        self.opened.append(url)
        return True

    def allow(self) -> None:
        url = self.opened[-1]

        def go():
            import requests

            requests.get(url, timeout=10)

        threading.Thread(target=go, daemon=True).start()
        time.sleep(0.05)
