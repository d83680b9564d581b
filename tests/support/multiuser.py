"""Real OS users for the tests that need them (CI runs as root): created with useradd, removed after.

Other users must be able to run this checkout's Python and code, wherever the checkout is (it may
sit under a 0700 home such as /root). ``Runtime`` copies the package and the test support modules
into a world-readable folder once per test session, and finds a Python other users can run: this
virtual environment's when they can reach it, else the system's python3 with a copy of the
environment's pure-Python packages.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = Path(__file__).resolve().parent
SETPRIV = shutil.which("setpriv")


def available() -> str | None:
    """Why real users cannot be used here, or None when they can."""
    if os.name != "posix" or not sys.platform.startswith("linux"):
        return "real OS users are tested on Linux"
    if os.geteuid() != 0:
        return "creating OS users needs root (CI runs as root)"
    for tool in ("useradd", "userdel", "groupadd", "groupdel", "usermod", "setpriv"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    return None


@functools.lru_cache(maxsize=1)
def runtime() -> Runtime:
    import atexit

    made = Runtime.make()
    atexit.register(made.cleanup)
    return made


@dataclass
class Runtime:
    base: Path  # world-readable, root-owned
    python: str
    pythonpath: list[str]

    @classmethod
    def make(cls) -> Runtime:
        base = Path(tempfile.mkdtemp(prefix="xconn-mu-", dir="/tmp"))
        base.chmod(0o755)
        code = base / "code"
        code.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(ROOT / "xconn_app", code / "xconn_app", ignore=ignore)
        shutil.copytree(SUPPORT, code / "support", ignore=ignore)
        shutil.copy(ROOT / "tests" / "xero_standin.py", code / "support" / "xero_standin.py")
        paths = [str(code), str(code / "support")]
        python = sys.executable
        if not _runs_as_nobody(python, paths):
            site = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
            shutil.copytree(
                site,
                base / "site",
                ignore=shutil.ignore_patterns(
                    "__pycache__",
                    "PyInstaller*",
                    "pyinstaller*",
                    "_pyinstaller*",
                    "pip",
                    "pip-*",
                    "setuptools*",
                    "*.dist-info/RECORD",
                ),
                symlinks=False,
            )
            paths.append(str(base / "site"))
            python = shutil.which("python3") or "/usr/bin/python3"
            if not _runs_as_nobody(python, paths):
                raise RuntimeError(f"no Python that other users can run was found (tried {sys.executable}, {python})")
        for dirpath, dirnames, filenames in os.walk(base):
            for name in dirnames:
                os.chmod(os.path.join(dirpath, name), 0o755)
            for name in filenames:
                p = os.path.join(dirpath, name)
                if not os.path.islink(p):
                    os.chmod(p, 0o644)
        return cls(base, python, paths)

    def cleanup(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)


def _runs_as_nobody(python: str, paths: list[str]) -> bool:
    probe = "import requests, keyring, platformdirs, oauthlib, requests_oauthlib, xconn_app.cli"
    try:
        done = subprocess.run(
            [SETPRIV, "--reuid=nobody", "--regid=nogroup", "--clear-groups", python, "-c", probe],
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(paths), "HOME": "/"},
            capture_output=True,
            timeout=60,
            cwd="/",
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@dataclass
class OSUser:
    name: str
    uid: int
    gid: int
    home: Path
    extra_env: dict = field(default_factory=dict)
    # the groups this user's processes get: --init-groups (as at sign-in), or --clear-groups to play a
    # sign-in made before the user was added to a group
    groups_flag: str = "--init-groups"

    def env(self, **more) -> dict:
        rt = runtime()
        env = {
            "HOME": str(self.home),
            "USER": self.name,
            "LOGNAME": self.name,
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": os.pathsep.join(rt.pythonpath),
            "LANG": "C.UTF-8",
            "PYTHON_KEYRING_BACKEND": "filekeyring.FileKeyring",
            "XCONN_TEST_KEYRING": str(self.home / "keyring.json"),
        }
        for key in (
            "XCONN_XERO_LOGIN",
            "XCONN_XERO_IDENTITY",
            "XCONN_XERO_API",
            "SSL_CERT_FILE",
            "REQUESTS_CA_BUNDLE",
            "XCONN_ADMIN_GROUP",
            "XCONN_MACHINE_DIR",
        ):
            if os.environ.get(key):
                env[key] = os.environ[key]
        env.update(self.extra_env)
        env.update({k: str(v) for k, v in more.items()})
        return env

    def command(self, *args: str) -> list[str]:
        return [SETPRIV, f"--reuid={self.uid}", f"--regid={self.gid}", self.groups_flag, runtime().python, *args]

    def run(
        self, *args: str, input: str | None = None, timeout: float = 60, env: dict | None = None, cwd: str = "/"
    ) -> subprocess.CompletedProcess:
        """``python -m xconn_app ARGS`` as this user."""
        return subprocess.run(
            self.command("-m", "xconn_app", *args),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env(**(env or {})),
            cwd=cwd,
        )

    def python(
        self, code: str, *args: str, timeout: float = 60, env: dict | None = None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command("-c", code, *args),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env(**(env or {})),
            cwd="/",
        )

    def popen(self, *args: str, env: dict | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            self.command("-m", "xconn_app", *args),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(**(env or {})),
            cwd="/",
        )


class Users:
    """Users and groups made for one test, removed with their homes afterwards."""

    def __init__(self):
        self.tag = secrets.token_hex(3)
        self.made: list[str] = []
        self.groups: list[str] = []

    def group(self, base: str = "adm") -> str:
        name = f"xc{base}{self.tag}"[:30]
        subprocess.run(["groupadd", name], check=True, capture_output=True)
        self.groups.append(name)
        return name

    def user(self, base: str, groups: tuple[str, ...] = ()) -> OSUser:
        import pwd

        name = f"xc{base}{self.tag}"[:30]
        cmd = ["useradd", "--create-home", "--shell", "/bin/sh", "--no-user-group", "--gid", "users"]
        if groups:
            cmd += ["--groups", ",".join(groups)]
        subprocess.run([*cmd, name], check=True, capture_output=True)
        self.made.append(name)
        pw = pwd.getpwnam(name)
        home = Path(pw.pw_dir)
        home.chmod(0o700)
        return OSUser(name, pw.pw_uid, pw.pw_gid, home)

    def add_to_group(self, user: OSUser, group: str) -> None:
        subprocess.run(["usermod", "-a", "-G", group, user.name], check=True, capture_output=True)

    def cleanup(self) -> None:
        for name in self.made:
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
            subprocess.run(["userdel", "--remove", "--force", name], capture_output=True)
        for name in self.groups:
            subprocess.run(["groupdel", name], capture_output=True)
