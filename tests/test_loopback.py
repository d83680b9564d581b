"""The loopback receiver: right path and state only, errors, timeout, cancel, port in use."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from conftest import free_port

from xconn_app.core.errors import AuthorizationCancelled, AuthorizationDenied, AuthorizationTimedOut, PortInUse
from xconn_app.core.loopback import LoopbackReceiver, page


@pytest.fixture
def receiver():
    port = free_port()
    with LoopbackReceiver(f"http://localhost:{port}/callback", "the-state") as r:
        r.base = f"http://127.0.0.1:{port}"
        yield r


def wait_in_thread(receiver, timeout=10):
    box = {}

    def run():
        try:
            box["code"] = receiver.wait(timeout)
        except Exception as exc:
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, box


def test_right_state_and_path_delivers_the_code_once(receiver):
    t, box = wait_in_thread(receiver)
    r = requests.get(receiver.base + "/callback?code=abc&state=the-state", timeout=5)
    assert r.status_code == 200 and "close this tab" in r.text
    t.join(5)
    assert box == {"code": "abc"}


def test_wrong_state_and_wrong_path_are_refused_and_the_wait_goes_on(receiver):
    t, box = wait_in_thread(receiver)
    assert requests.get(receiver.base + "/callback?code=evil&state=wrong", timeout=5).status_code == 400
    assert requests.get(receiver.base + "/callback?code=evil", timeout=5).status_code == 400
    assert (
        requests.get(receiver.base + "/callback?code=a&state=the-state&state=the-state", timeout=5).status_code == 400
    )
    assert requests.get(receiver.base + "/other?code=evil&state=the-state", timeout=5).status_code == 404
    assert requests.post(receiver.base + "/callback?code=evil&state=the-state", timeout=5).status_code == 405
    # an error with the wrong state must not end the flow either
    assert requests.get(receiver.base + "/callback?error=access_denied&state=x", timeout=5).status_code == 400
    assert t.is_alive() and not box
    requests.get(receiver.base + "/callback?code=good&state=the-state", timeout=5)
    t.join(5)
    assert box == {"code": "good"}
    assert receiver.refused == 4


def test_access_denied_ends_with_a_plain_message(receiver):
    t, box = wait_in_thread(receiver)
    r = requests.get(receiver.base + "/callback?error=access_denied&state=the-state", timeout=5)
    assert "Not connected" in r.text
    t.join(5)
    assert isinstance(box["error"], AuthorizationDenied)
    assert "Allow access" in box["error"].next_step


def test_timeout_and_cancel(receiver):
    t0 = time.monotonic()
    with pytest.raises(AuthorizationTimedOut):
        receiver.wait(0.3)
    assert time.monotonic() - t0 < 2
    t, box = wait_in_thread(receiver, timeout=30)
    time.sleep(0.1)
    receiver.cancel()
    t.join(2)
    assert isinstance(box["error"], AuthorizationCancelled)


def test_port_in_use_names_the_port():
    port = free_port()
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        with pytest.raises(PortInUse) as info:
            LoopbackReceiver(f"http://localhost:{port}/callback", "s").start()
    assert str(port) in info.value.message and info.value.port == port


def test_binds_loopback_only(receiver):
    addresses = [a[0] for a in receiver.listening_addresses]
    assert addresses and set(addresses) <= {"127.0.0.1", "::1"}


def test_listening_before_the_browser_opens_and_stops_after():
    port = free_port()
    r = LoopbackReceiver(f"http://127.0.0.1:{port}/cb", "s").start()
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    r.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_pages_escape_what_they_echo():
    html = page("<b>x</b>", "<script>alert(1)</script>").decode()
    assert "<script>" not in html and "&lt;script&gt;" in html
