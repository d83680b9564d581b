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
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XCONN_", "PYTHON", "XDG_", "DBUS_", "OAUTHLIB_"))}
    env.update({
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(tmp / "run"),
        "XCONN_LOG_DIR": str(tmp / "logs"),
        "LC_ALL": "C.UTF-8",
    })
    (tmp / "run").mkdir(mode=0o700, exist_ok=True)
    env.update(extra)
    return env


def run(cmd, env, timeout=60, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], env=env, capture_output=True, text=True, timeout=timeout, **kw)


def xdotool_window(name: str, env: dict, timeout: float) -> list[str]:
    """Window ids whose title matches `name` (regex), waiting up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", name], env=env,
                               capture_output=True, text=True, timeout=10)
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
        names = [subprocess.run(["xdotool", "getwindowname", w], env=env, capture_output=True, text=True,
                                timeout=10).stdout.strip() for w in ids]
        ids = [w for w, n in zip(ids, names) if n == TITLE]
        if not ids:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=15)
            pytest.fail(f"{what}: no window titled {TITLE!r} within 30 s (exit {proc.returncode})\n{out}\n{err}")
        assert proc.poll() is None, f"{what} exited after showing its window"
        geometry = subprocess.run(["xdotool", "getwindowgeometry", ids[0]], env=env, capture_output=True,
                                  text=True, timeout=10).stdout
        size = re.search(r"Geometry: (\d+)x(\d+)", geometry)
        assert size and int(size.group(1)) > 300 and int(size.group(2)) > 200, geometry


# -- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def onefile():
    """dist/xconn and dist/xconn-cli, built once (reused when newer than every source)."""
    require(sys.platform.startswith("linux"), "Linux (the packaging tests build and install a .deb)")
    require(importlib.util.find_spec("PyInstaller") is not None, "PyInstaller (pip install -e .[build])")
    fresh = all(p.exists() for p in (GUI_EXE, CLI_EXE)) and \
        min(GUI_EXE.stat().st_mtime, CLI_EXE.stat().st_mtime) > _newest_source_mtime()
    if not fresh:
        env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
        proc = subprocess.run([sys.executable, str(ROOT / "build" / "build.py")], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, f"build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return GUI_EXE, CLI_EXE


@pytest.fixture(scope="session")
def onedir(onefile):
    """dist/onedir/xconn/ (the .deb's --onedir layout), built once like the onefile."""
    folder = DIST / "onedir" / "xconn"
    exes = [folder / "xconn", folder / "xconn-cli"]
    if not (all(p.exists() for p in exes) and min(p.stat().st_mtime for p in exes) > _newest_source_mtime()):
        env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
        proc = subprocess.run([sys.executable, str(ROOT / "build" / "build.py"), "--mode", "onedir"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, f"build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return folder


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
    bus = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1",
                          f"--address=unix:path={tmp_path / 'run' / 'bus'}"],
                         env=env, capture_output=True, text=True, timeout=30)
    assert bus.returncode == 0, bus.stderr
    address, pid = bus.stdout.split()[:2]
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    keyring_daemon = subprocess.Popen(["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
                                      env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
    keyring_daemon.stdin.write("test-password")
    keyring_daemon.stdin.close()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            names = subprocess.run(["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                                    "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"],
                                   env=env, capture_output=True, text=True, timeout=10).stdout
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
    gui, cli = onefile
    for exe in (cli, gui):
        r = run([exe, "--version"], frozen_env(tmp_path))
        assert r.returncode == 0, r
        assert r.stdout.strip() == f"xconn {VERSION}"


def test_bundle_contents(onefile, tmp_path):
    """What must be inside (themes, keyring's entry points, icon) and what must not."""
    from PyInstaller.archive.readers import CArchiveReader, ZlibArchiveReader

    archive = CArchiveReader(str(onefile[1]))
    names = set(archive.toc)
    for needed in ("customtkinter/assets/themes/blue.json", "xconn_app/assets/xconn.png"):
        assert needed in names, needed
    entry_points = [n for n in names if re.fullmatch(r"keyring-[^/]+\.dist-info/entry_points\.txt", n)]
    assert entry_points, "keyring's metadata (its backend entry points) is not bundled"
    assert "SecretService" in archive.extract(entry_points[0]).decode()
    assert json.loads(archive.extract("customtkinter/assets/themes/blue.json"))["CTk"]

    pyz = tmp_path / "PYZ.pyz"
    pyz.write_bytes(archive.extract("PYZ.pyz"))
    modules = set(ZlibArchiveReader(str(pyz)).toc)
    for needed in ("keyring.backends.SecretService", "keyring.backends.Windows", "keyring.backends.macOS",
                   "secretstorage", "jeepney.io.blocking", "xconn_app.cli", "xconn_app.ui.app",
                   "requests_oauthlib", "customtkinter"):
        assert needed in modules, f"{needed} is not bundled"
    for banned in ("keyrings.alt", "PIL", "numpy", "pytest", "responses", "setuptools", "PyInstaller"):
        assert not any(m == banned or m.startswith(banned + ".") for m in modules), f"{banned} is bundled"
    assert not any(n.startswith("_tcl_data/tzdata/") for n in names), "Tcl's tzdata should be trimmed"


def test_cli_against_a_temporary_registry(onefile, tmp_path):
    _, cli = onefile
    env = frozen_env(tmp_path)
    cfg = tmp_path / "config"
    r = run([cli, "--config-dir", cfg, "add", "--name", "Test", "--client-id", CLIENT_ID,
             "--redirect-url", "http://localhost:5000/callback"], env)
    assert r.returncode == 0, r
    r = run([cli, "--config-dir", cfg, "list", "--json"], env)
    assert r.returncode == 0, r
    rows = json.loads(r.stdout)
    assert [(c["name"], c["client_id"], c["redirect_url"]) for c in rows] == \
        [("Test", CLIENT_ID, "http://localhost:5000/callback")]
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


def test_bundled_keyring_finds_the_secret_service(onefile, secret_service, tmp_path):
    """The real proof that keyring's metadata and backends are bundled.

    No PYTHON_KEYRING_BACKEND: keyring must discover SecretService through its entry points
    (without the dist-info it falls back to fail.Keyring and xconn refuses to store tokens),
    and store/read real tokens over jeepney + secretstorage in gnome-keyring. The tokens come
    from a full authorization against the local Xero stand-in into the frozen loopback server.
    """
    import requests
    from xero_standin import XeroStandIn

    _, cli = onefile
    env = dict(secret_service)
    env["XCONN_CONFIG_DIR"] = str(tmp_path / "config")

    with XeroStandIn(auto_consent=True) as xero:
        env.update(xero.env())
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
            assert url.startswith(xero.base_url), url
            # the "browser": Xero's consent (automatic here) redirects into the frozen loopback server
            page = requests.get(url, timeout=30)
            assert page.status_code == 200, page.text
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, f"{out}\n{err}"

        r = run([cli, "token", "Keyring test"], env)
        assert r.returncode == 0, r
        token = r.stdout.strip()
        assert len(token) > 100 and token.count(".") == 2  # a JWT, read back from gnome-keyring

        r = run([cli, "delete", "Keyring test", "--yes"], env)
        assert r.returncode == 0, r


def test_window_opens(onefile, xserver, tmp_path):
    gui, _ = onefile
    env = frozen_env(tmp_path, DISPLAY=xserver, XCONN_CONFIG_DIR=str(tmp_path / "config"))
    assert_window_appears([gui], env, "dist/xconn")


# -- Linux package ------------------------------------------------------------------------------
SHARED = Path("/etc/xdg/xconn")


def _installed(package: str) -> bool:
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return r.returncode == 0 and "installed" in r.stdout and "not-installed" not in r.stdout


@pytest.mark.parametrize("layout", ["onefile", "onedir"])
def test_deb_install_run_purge(layout, request, onefile, xserver, tmp_path):
    require(shutil.which("dpkg-deb") is not None, "dpkg-deb")
    require(hasattr(os, "geteuid") and os.geteuid() == 0, "root (dpkg -i)")
    require(shutil.which("desktop-file-validate") is not None, "desktop-file-validate (desktop-file-utils)")
    # never clobber a real installation or a real shared registry (an empty folder holds nothing:
    # any root process that ran xconn without --config-dir creates it)
    if SHARED.is_dir() and not _installed("xconn") and not any(SHARED.iterdir()):
        SHARED.rmdir()
    require(not _installed("xconn") and not SHARED.exists(), "a machine without xconn installed")

    extra = []
    if layout == "onedir":
        request.getfixturevalue("onedir")
        extra = ["--onedir"]
    r = run(["bash", ROOT / "installer" / "linux" / "build_deb.sh", "--out", tmp_path, *extra], dict(os.environ),
            timeout=300)
    assert r.returncode == 0, r
    deb = tmp_path / f"xconn_{VERSION}_amd64.deb"
    assert deb.is_file(), r.stdout

    try:
        r = run(["dpkg", "-i", deb], dict(os.environ), timeout=300)
        assert r.returncode == 0, r

        for link in ("/usr/bin/xconn", "/usr/bin/xconn-cli"):
            assert os.path.realpath(link).startswith("/opt/xconn/"), link
        r = run(["/usr/bin/xconn-cli", "--version"], frozen_env(tmp_path))
        assert r.returncode == 0 and r.stdout.strip() == f"xconn {VERSION}", r

        desktop = Path("/usr/share/applications/xconn.desktop")
        text = desktop.read_text()
        assert "Exec=/usr/bin/xconn" in text and "Icon=xconn" in text and "Categories=Office;Finance;" in text
        r = run(["desktop-file-validate", desktop], dict(os.environ))
        assert r.returncode == 0 and not r.stdout.strip(), r
        assert Path("/usr/share/icons/hicolor/256x256/apps/xconn.png").is_file()

        # the shared folder: writable for every local user, and no sticky bit (a user must be
        # able to replace the registry another user wrote)
        mode = SHARED.stat().st_mode
        assert stat.S_ISDIR(mode) and mode & 0o777 == 0o777 and not mode & stat.S_ISVTX, oct(mode)

        # two different users share one connection list through it
        user_home = tmp_path / "nobody"
        user_home.mkdir()
        user_home.chmod(0o777)
        as_nobody = frozen_env(user_home)
        r = run(["runuser", "-u", "nobody", "--", "/usr/bin/xconn-cli", "add", "--name", "Shared",
                 "--client-id", CLIENT_ID, "--redirect-url", "http://localhost:5000/callback"], as_nobody)
        assert r.returncode == 0, r
        assert (SHARED / "connections.json").is_file()
        r = run(["/usr/bin/xconn-cli", "list", "--json"], frozen_env(tmp_path / "root"))
        assert [c["name"] for c in json.loads(r.stdout)] == ["Shared"], r

        # the daily keep-alive
        unit = Path("/usr/lib/systemd/user/xconn-keepalive.service")
        assert "ExecStart=/usr/bin/xconn-cli refresh --all" in unit.read_text()
        assert Path("/usr/lib/systemd/user/xconn-keepalive.timer").is_file()
        if shutil.which("systemctl"):
            assert Path("/etc/systemd/user/timers.target.wants/xconn-keepalive.timer").is_symlink()
        else:
            assert os.access("/etc/cron.daily/xconn-keepalive", os.X_OK)

        # the installed app opens its window (on a temporary registry, not the shared one)
        env = frozen_env(tmp_path / "gui", DISPLAY=xserver, XCONN_CONFIG_DIR=str(tmp_path / "gui-config"))
        assert_window_appears(["/usr/bin/xconn"], env, "/usr/bin/xconn")
    finally:
        purge = run(["dpkg", "--purge", "xconn"], dict(os.environ), timeout=300)
    assert purge.returncode == 0, purge
    for gone in ("/opt/xconn", "/usr/bin/xconn", "/usr/bin/xconn-cli", "/usr/share/applications/xconn.desktop",
                 "/usr/share/icons/hicolor/256x256/apps/xconn.png", "/usr/lib/systemd/user/xconn-keepalive.timer",
                 "/etc/systemd/user/timers.target.wants/xconn-keepalive.timer", "/etc/cron.daily/xconn-keepalive",
                 str(SHARED)):
        assert not os.path.lexists(gone), f"{gone} is still there after purge"
    assert not _installed("xconn")


# -- Windows and macOS recipes (checked here, built on their CI runners) -------------------------
def test_nsis_script_compiles(tmp_path):
    require(shutil.which("makensis") is not None, "makensis (package nsis)")
    dist = tmp_path / "dist"
    dist.mkdir()
    for name in ("xconn.exe", "xconn-cli.exe"):
        (dist / name).write_bytes(b"MZ dummy " + name.encode())
    r = run(["makensis", "-V2", "-WX", f"-DVERSION={VERSION}", f"-DDIST={dist}", f"-DOUTDIR={tmp_path}",
             ROOT / "installer" / "windows" / "xconn.nsi"], dict(os.environ), timeout=120)
    assert r.returncode == 0, r
    setup = tmp_path / f"xconn-{VERSION}-setup.exe"
    assert setup.is_file() and setup.read_bytes()[:2] == b"MZ"
    nsi = (ROOT / "installer" / "windows" / "xconn.nsi").read_text(encoding="utf-8")
    for needed in ("$PROGRAMFILES64", "SetShellVarContext all", "*${USERS_SID}:(OI)(CI)M", "schtasks /Create",
                   "schtasks /Delete", r"Software\Microsoft\Windows\CurrentVersion\Uninstall\xconn",
                   "refresh --all", '"Desktop shortcut"', "MUI_PAGE_COMPONENTS"):
        assert needed in nsi, needed


def test_shell_recipes_parse():
    scripts = [ROOT / "installer" / "macos" / "make_app.sh", ROOT / "installer" / "linux" / "build_deb.sh"]
    for script in scripts:
        r = run(["bash", "-n", script], dict(os.environ))
        assert r.returncode == 0, r
    for script in ("postinst", "prerm", "postrm"):
        path = ROOT / "installer" / "linux" / script
        assert os.access(path, os.X_OK), f"{script} must be executable"
        r = run(["sh", "-n", path], dict(os.environ))
        assert r.returncode == 0, r


def test_macos_plists():
    agent = plistlib.loads((ROOT / "installer" / "macos" / "com.xconn.keepalive.plist").read_bytes())
    assert agent["Label"] == "com.xconn.keepalive"
    assert agent["ProgramArguments"] == ["/Applications/xconn.app/Contents/MacOS/xconn-cli", "refresh", "--all"]
    assert {"Hour", "Minute"} <= set(agent["StartCalendarInterval"])
    entitlements = plistlib.loads((ROOT / "installer" / "macos" / "entitlements.plist").read_bytes())
    assert entitlements["com.apple.security.cs.allow-unsigned-executable-memory"] is True
    spec = (ROOT / "build" / "xconn.spec").read_text()
    assert 'bundle_identifier="com.xconn.app"' in spec and '"NSHighResolutionCapable": True' in spec
    script = (ROOT / "installer" / "macos" / "make_app.sh").read_text()
    assert 'codesign --deep --force --options runtime' in script and '"${MACOS_SIGN_IDENTITY:--}"' in script
    assert "hdiutil create" in script
