"""Shared fixtures: an isolated registry, a file keyring, the local Xero stand-in, the CLI.

Nothing here reaches the internet. With CI=true a missing tool is a failure, never a skip.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
SUPPORT = TESTS / "support"
for p in (str(TESTS), str(SUPPORT)):
    if p not in sys.path:
        sys.path.insert(0, p)

from isolation import KEYRING_BACKEND, isolated_env  # noqa: E402

os.environ["PYTHON_KEYRING_BACKEND"] = KEYRING_BACKEND

os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(SUPPORT), str(TESTS), str(ROOT)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
)

import testca  # noqa: E402
from xero_standin import XeroStandIn  # noqa: E402

# The stand-in speaks https like Xero (xconn refuses plain http for Xero); every process trusts the
# tests' own CA through REQUESTS_CA_BUNDLE / SSL_CERT_FILE.
TEST_CA = testca.install()

CLIENT_ID = "0123456789ABCDEF0123456789ABCDEF"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, what: str) -> None:
    """Skip on a laptop, fail in CI (.ci/run installs everything)."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must provide {what} (.ci/run installs it)")
    pytest.skip(f"{what} is not available here")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """A temporary registry folder, keyring file and log folder for this test."""
    env = isolated_env(tmp_path)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    from xconn_app.core import logs

    logs.setup(tmp_path / "logs")
    return tmp_path


@pytest.fixture
def standin(isolated, monkeypatch):
    with XeroStandIn(auto_consent=True) as x:
        for k, v in x.env().items():
            monkeypatch.setenv(k, v)
        yield x


@pytest.fixture
def redirect_url(standin):
    url = f"http://localhost:{free_port()}/callback"
    standin.register_app(CLIENT_ID, [url])
    return url


@pytest.fixture
def service(isolated):
    from xconn_app.core.service import Service

    return Service()


class CliResult:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.code, self.out, self.err = proc.returncode, proc.stdout, proc.stderr

    def __repr__(self):
        return f"<exit {self.code}\nstdout: {self.out}\nstderr: {self.err}>"


def run_cli(*args, input=None, timeout=60, env=None) -> CliResult:
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "xconn_app", *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=str(ROOT),
    )
    return CliResult(proc)


@pytest.fixture
def cli(isolated):
    return run_cli
