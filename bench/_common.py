"""Shared bench helpers: a private X server, isolated folders, medians and the result rows."""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
TESTS = ROOT / "tests"
SUPPORT = TESTS / "support"
PYTHON = sys.executable

for _p in (str(ROOT), str(TESTS), str(SUPPORT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import testca  # noqa: E402 - the Xero stand-in speaks https, as Xero does: trust the tests' CA

testca.install()


def _compile_sources() -> None:
    """An installed xconn runs from compiled bytecode (pip and PyInstaller compile it). Where
    PYTHONDONTWRITEBYTECODE is set (this workplace sets it) a source checkout would be compiled again
    at every start, which no user ever sees: compile it once, explicitly, before measuring."""
    import compileall

    compileall.compile_dir(str(ROOT / "xconn_app"), quiet=1)


_compile_sources()


# -- X server ----------------------------------------------------------------------------------
_xvfb = None


def ensure_display() -> str:
    """Use $DISPLAY, or start a private Xvfb for this run (stopped at exit)."""
    global _xvfb
    if os.environ.get("DISPLAY"):
        return os.environ["DISPLAY"]
    if not shutil.which("Xvfb"):
        raise SystemExit("bench: no DISPLAY and no Xvfb (scripts/dev bench installs it)")
    from xvfb import Xvfb  # the tests' X server: Xvfb picks its own free display (-displayfd)

    try:
        _xvfb = Xvfb(wm=False).start()  # figures without a window manager, as measured before
    except RuntimeError as exc:
        raise SystemExit(f"bench: {exc}") from None
    atexit.register(_xvfb.stop)
    return os.environ["DISPLAY"]


# -- isolation ---------------------------------------------------------------------------------
def isolated_env(folder: Path) -> dict:
    """Registry, keyring file, logs and window state in `folder`; the test file keyring."""
    from isolation import isolated_env as env_for

    folder.mkdir(parents=True, exist_ok=True)
    return {**env_for(folder), "PYTHONPATH": os.pathsep.join([str(SUPPORT), str(TESTS), str(ROOT)])}


def apply_env(env: dict) -> None:
    os.environ.update(env)


def temp_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=f"xconn-bench-{prefix}-"))
    atexit.register(shutil.rmtree, path, True)
    return path


# -- figures -----------------------------------------------------------------------------------
def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> float:
    return seconds * 1000.0


@dataclass
class Row:
    section: str
    figure: str
    value: str  # formatted measurement
    budget: str  # formatted budget
    ok: bool | None  # None: informational
    note: str = ""

    @property
    def verdict(self) -> str:
        return "info" if self.ok is None else ("PASS" if self.ok else "FAIL")


def timed(fn, *args, **kw) -> float:
    t = time.perf_counter()
    fn(*args, **kw)
    return time.perf_counter() - t


def log(text: str) -> None:
    print(f"  · {text}", file=sys.stderr, flush=True)
