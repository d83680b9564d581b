"""End to end: the window's Authorize opens a real headless Chromium on the stand-in's consent page,
"Allow access" is clicked, and the app's loopback server completes the flow.

Chromium is driven with the Chrome DevTools Protocol over ``--remote-debugging-pipe`` (file
descriptors 3 and 4, NUL-terminated JSON), so no websocket library is needed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
import time

import conftest
import pytest
from xvfb import pump, row_of

pytestmark = [pytest.mark.gui, pytest.mark.e2e]
pytest_plugins = ["guifixtures"]  # the display and make_window fixtures

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-pipe",
]


def _trust_the_standin() -> list[str]:
    """The stand-in speaks https with the tests' own CA: Chromium trusts exactly its certificate."""
    import testca

    return [f"--ignore-certificate-errors-spki-list={testca.spki_hash()}"]


class Chromium:
    """A headless Chromium and a minimal CDP client over the debugging pipe."""

    def __init__(self, url: str, profile_dir):
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        # Chromium reads commands on fd 3 and answers on fd 4; the shell puts the pipes there.
        shell = f'exec "$@" 3<&{to_child_r} 4>&{from_child_w} {to_child_r}<&- {from_child_w}>&-'
        self.proc = subprocess.Popen(
            [
                "bash",
                "-c",
                shell,
                "chromium",
                CHROMIUM,
                *FLAGS,
                *_trust_the_standin(),
                f"--user-data-dir={profile_dir}",
                url,
            ],
            pass_fds=(to_child_r, from_child_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self._lock = threading.Lock()

    def call(self, method: str, session: str | None = None, timeout: float = 20.0, **params):
        with self._lock:
            self._next_id += 1
            wanted = self._next_id
            message = {"id": wanted, "method": method, "params": params}
            if session:
                message["sessionId"] = session
            os.write(self._to_child, json.dumps(message).encode() + b"\0")
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                while b"\0" in self._buffer:
                    raw, self._buffer = self._buffer.split(b"\0", 1)
                    reply = json.loads(raw)
                    if reply.get("id") == wanted:
                        if "error" in reply:
                            raise RuntimeError(f"{method}: {reply['error']}")
                        return reply.get("result", {})
                chunk = os.read(self._from_child, 65536)
                if not chunk:
                    raise RuntimeError("Chromium closed the debugging pipe")
                self._buffer += chunk
            raise TimeoutError(method)

    def page_session(self) -> str:
        for _ in range(100):
            pages = [t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page"]
            if pages:
                return self.call("Target.attachToTarget", targetId=pages[0]["targetId"], flatten=True)["sessionId"]
            time.sleep(0.1)
        raise RuntimeError("Chromium opened no page")

    def evaluate(self, session: str, expression: str):
        result = self.call("Runtime.evaluate", session=session, expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close", timeout=5)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_child, self._from_child):
            with contextlib.suppress(OSError):
                os.close(fd)


def click_allow(browser: Chromium, log: list) -> None:
    """In a thread: wait for the consent page, read it, press "Allow access"."""
    try:
        session = browser.page_session()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if browser.evaluate(session, "!!document.getElementById('allow')"):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("the consent page did not appear")
        log.append(browser.evaluate(session, "document.getElementById('app-name').textContent"))
        browser.evaluate(session, "document.getElementById('allow').click(); true")
        log.append("clicked")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the loopback server's answer page
            href = browser.evaluate(session, "location.href") or ""
            if href.startswith("http://localhost") and browser.evaluate(session, "document.readyState") == "complete":
                log.append(browser.evaluate(session, "document.body.innerText"))
                return
            time.sleep(0.1)
    except Exception as exc:
        log.append(exc)


def test_authorize_in_real_chromium(make_window, service, standin, redirect_url, tmp_path, monkeypatch):
    conftest.require(os.path.exists(CHROMIUM), "chromium")
    from xconn_app.core.authorization import PendingAuthorization

    standin.auto_consent = False
    standin.tenants = [{"tenantName": "Harbour Logistics Ltd"}]
    browsers, log = [], []

    def open_chromium(self):
        browser = Chromium(self.url, tmp_path / "chromium-profile")
        browsers.append(browser)
        threading.Thread(target=click_allow, args=(browser, log), daemon=True).start()
        return True

    monkeypatch.setattr(PendingAuthorization, "open_browser", open_chromium)
    conn = service.add("Head office", conftest.CLIENT_ID, redirect_url)
    win = make_window(service)
    win.connections.select(conn.id)
    dialog = win.connections.edit()
    pump(win, lambda: dialog.ready and dialog.url_field.get() == redirect_url)
    try:
        dialog.authbox.authorize_button.invoke()
        pump(
            win,
            lambda: (
                dialog.flow.view.authorized
                or any(isinstance(x, Exception) for x in log)
                or dialog.flow.view.phase.value == "failed"
            ),
            timeout=90,
        )
        assert not [x for x in log if isinstance(x, Exception)], log
        assert dialog.flow.view.authorized, dialog.authbox.text
        pump(win, lambda: len(log) >= 3, timeout=30)
    finally:
        for b in browsers:
            b.close()
    assert log[0] == "PSIcapture" and log[1] == "clicked"
    assert "xconn" in log[2].lower() or "close" in log[2].lower(), log[2]
    assert dialog.authbox.headline.cget("text").startswith("✓ Connected to Xero")  # inside the dialog
    assert dialog.tenant_menu.get() == "Harbour Logistics Ltd"
    dialog.save_button.invoke()
    pump(win, lambda: row_of(win, "Head office")[1:3] == ("Harbour Logistics Ltd", "Connected"))
