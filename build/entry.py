"""Entry point of the frozen executables (PyInstaller needs a script, not `python -m`).

`xconn_app/__main__.py` uses relative imports, so it cannot be the script itself. This file also
makes the windowed build safe: a `console=False` executable on Windows (and a .app launched from
Finder) starts with sys.stdout / sys.stderr = None, and any print (argparse's --version, a
warning, a traceback) would then raise AttributeError. We attach to the parent's console when
there is one (so `xconn.exe --version` typed in cmd.exe still prints) or fall back to os.devnull.
"""

from __future__ import annotations

import os
import sys


def _attach_windows_console() -> bool:
    try:
        import ctypes

        ATTACH_PARENT_PROCESS = -1
        return bool(ctypes.windll.kernel32.AttachConsole(ATTACH_PARENT_PROCESS))
    except Exception:
        return False


def _fix_std_streams() -> None:
    missing = [name for name in ("stdin", "stdout", "stderr") if getattr(sys, name) is None]
    if not missing:
        return
    attached = sys.platform == "win32" and _attach_windows_console()
    for name in missing:
        if name == "stdin":
            target, mode = ("CONIN$" if attached else os.devnull), "r"
        else:
            target, mode = ("CONOUT$" if attached else os.devnull), "w"
        # The process's own standard stream for its whole life: no context manager can own it.
        try:
            stream = open(target, mode, encoding="utf-8", errors="replace")  # noqa: SIM115
        except OSError:
            stream = open(os.devnull, mode, encoding="utf-8")  # noqa: SIM115
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def main() -> int:
    _fix_std_streams()
    from xconn_app.__main__ import main as app_main

    return app_main()


if __name__ == "__main__":
    sys.exit(main())
