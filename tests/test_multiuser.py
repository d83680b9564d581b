"""The machine-wide list on a shared computer, with real OS users (issue 10).

Two users made with useradd for each test: a list administrator (a member of the list-administrators
group) and a plain user, plus root. Each case checks that nothing outside the shared folder changed
(decoy files in the users' homes and a root-owned one, hashed before and after) and that nothing
private appears in the shared folder. CI runs as root; without root these tests skip on a laptop and
fail in CI.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import subprocess
import time
from pathlib import Path

import multiuser
import pytest
from conftest import CLIENT_ID, free_port, require

pytestmark = pytest.mark.multiuser
ESC = "\x1b"


def _need_users() -> None:
    why = multiuser.available()
    require(why is None, f"real OS users ({why})")


class Decoys:
    """Files outside the shared folder that an attack would change, and a marker that must never leak."""

    def __init__(self, base: Path, users: list[multiuser.OSUser]):
        self.marker = "PRIVATE-" + secrets.token_hex(8)
        self.paths: list[Path] = []
        for user in users:
            bashrc = user.home / ".bashrc"
            bashrc.write_text("# the user's own shell start-up\n")
            private = user.home / "private.json"
            private.write_text(json.dumps({"marker": self.marker, "schema": 1, "connections": [], "api_key": "k"}))
            for p in (bashrc, private):
                os.chown(p, user.uid, user.gid)
                p.chmod(0o600)
            self.paths += [bashrc, private]
        rootfile = base / "root-owned.conf"
        rootfile.write_text("root's own settings\n")
        rootfile.chmod(0o644)
        self.root_file = rootfile
        self.paths.append(rootfile)
        self.before = self.snapshot()

    def snapshot(self) -> dict:
        out = {}
        for p in self.paths:
            st = os.lstat(p)
            out[str(p)] = (hashlib.sha256(p.read_bytes()).hexdigest(), stat.S_IMODE(st.st_mode), st.st_nlink, st.st_uid)
        return out

    def unchanged(self, shared: Path) -> None:
        assert self.snapshot() == self.before, "a file outside the shared folder was changed"
        for p in shared.rglob("*"):
            if p.is_file() and not p.is_symlink():
                assert self.marker not in p.read_text(errors="replace"), f"private data reached {p}"


class Machine:
    """A machine-wide list folder set up by `xconn setup-machine`, its users, the stand-in."""

    def __init__(self, standin, redirect_url: str):
        self.users = multiuser.Users()
        self.rt = multiuser.runtime()
        self.base = Path(tempfile_dir())
        self.folder = self.base / "machine"
        self.group = self.users.group("adm")
        self.admin = self.users.user("admin")
        self.plain = self.users.user("plain")
        self.roothome = self.base / "roothome"
        self.roothome.mkdir(mode=0o700)
        self.standin = standin
        self.redirect_url = redirect_url
        os.environ["XCONN_ADMIN_GROUP"] = self.group
        os.environ["XCONN_MACHINE_DIR"] = str(self.folder)
        for user in (self.admin, self.plain):
            user.extra_env.update(standin.env())
        r = self.root("setup-machine", "--add-admin", self.admin.name)
        assert r.returncode == 0, r.stderr
        self.decoys = Decoys(self.base, [self.admin, self.plain])

    def root_env(self, **more) -> dict:
        env = {
            "HOME": str(self.roothome),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "PYTHONPATH": os.pathsep.join(self.rt.pythonpath),
            "PYTHON_KEYRING_BACKEND": "filekeyring.FileKeyring",
            "XCONN_TEST_KEYRING": str(self.roothome / "keyring.json"),
            "XCONN_ADMIN_GROUP": self.group,
            "XCONN_MACHINE_DIR": str(self.folder),
            **self.standin.env(),
        }
        for key in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
            if os.environ.get(key):
                env[key] = os.environ[key]
        env.update(more)
        return env

    def root(self, *args: str, **env) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.rt.python, "-m", "xconn_app", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=self.root_env(**env),
            cwd="/",
        )

    def file(self, name: str) -> Path:
        return self.folder / name

    def cleanup(self) -> None:
        os.environ.pop("XCONN_ADMIN_GROUP", None)
        os.environ.pop("XCONN_MACHINE_DIR", None)
        self.users.cleanup()
        shutil.rmtree(self.base, ignore_errors=True)


def tempfile_dir() -> str:
    import tempfile

    path = tempfile.mkdtemp(prefix="xconn-mu-", dir="/tmp")
    os.chmod(path, 0o755)
    return path


@pytest.fixture
def machine(standin, redirect_url):
    _need_users()
    m = Machine(standin, redirect_url)
    yield m
    m.cleanup()


def add_connection(m: Machine, name: str = "Head office") -> None:
    r = m.admin.run("add", "--name", name, "--client-id", CLIENT_ID, "--redirect-url", m.redirect_url)
    assert r.returncode == 0, r.stderr


def authorize_as(user: multiuser.OSUser, name: str, *extra: str) -> tuple[int, str, str]:
    """`xconn authorize NAME` as the user, their own 'browser' (running as them) following the sign-in."""
    proc = user.popen("authorize", name, "--no-browser", "--timeout", "30", *extra)
    url = proc.stdout.readline().strip()
    assert url.startswith("http"), proc.communicate(timeout=30)
    browser = user.python("import requests, sys; r = requests.get(sys.argv[1], timeout=20); print(r.status_code)", url)
    assert browser.returncode == 0 and browser.stdout.strip() == "200", browser.stderr
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def no_raw_controls(text: str) -> None:
    assert ESC not in text and "\x07" not in text and "\u202e" not in text and "\r" not in text, repr(text[:300])


# -- who may do what -----------------------------------------------------------------------------------
def test_setup_machine_makes_the_folder_group_and_modes(machine):
    st = os.lstat(machine.folder)
    import grp

    assert stat.S_IMODE(st.st_mode) == 0o2775 and st.st_uid == 0 and st.st_gid == grp.getgrnam(machine.group).gr_gid
    status = os.lstat(machine.folder / "status")
    assert stat.S_IMODE(status.st_mode) == 0o1777 and status.st_uid == 0
    assert machine.admin.name in grp.getgrnam(machine.group).gr_mem
    # Only setup-machine makes it, and only as root.
    r = machine.plain.run("setup-machine")
    assert r.returncode == 5 and "administrator rights" in r.stderr


def test_a_plain_user_reads_and_authorizes_but_cannot_change_the_list(machine):
    add_connection(machine)
    before = machine.file("connections.json").read_bytes()
    for args in (
        ["add", "--name", "Mine", "--client-id", CLIENT_ID, "--redirect-url", machine.redirect_url],
        ["edit", "Head office", "--name", "Renamed"],
        ["delete", "Head office", "--yes"],
        ["profile", "add", "Invoices"],
        ["tenant", "Head office", "Demo Company (NZ)"],
    ):
        r = machine.plain.run(*args)
        assert r.returncode == 5, (args, r.stderr)
        assert machine.group in r.stderr and "setup-machine --add-admin" in r.stderr, r.stderr
    assert machine.file("connections.json").read_bytes() == before
    who = json.loads(machine.plain.run("whoami", "--json").stdout)
    assert who["list_administrator"] is False and who["connection_list"] == str(machine.folder)
    assert json.loads(machine.admin.run("whoami", "--json").stdout)["list_administrator"] is True

    # The plain user authorizes for themselves: nothing shared is written but their status file.
    code, _out, err = authorize_as(machine.plain, "Head office")
    assert code == 0, err
    assert machine.file("connections.json").read_bytes() == before
    listed = json.loads(machine.plain.run("list", "--json").stdout)
    assert listed[0]["status"] == "no_organisation"  # an administrator has not chosen the organisation yet
    assert "a list administrator must choose it" in err
    assert machine.plain.run("token", "Head office").returncode == 0
    own = machine.plain.home / ".local/state/xconn/grants.json"
    assert own.exists() and stat.S_IMODE(own.stat().st_mode) == 0o600
    status_file = machine.folder / "status" / f"uid-{machine.plain.uid}.json"
    assert status_file.stat().st_uid == machine.plain.uid
    # The administrator sees the plain user's status in Details.
    details = json.loads(machine.admin.run("details", "Head office", "--json").stdout)
    assert machine.plain.name in details["other_users"]
    machine.decoys.unchanged(machine.folder)


def test_a_second_administrator_is_in_the_history_and_edits_outside_xconn_show(machine):
    admin2 = machine.users.user("adm2", groups=(machine.group,))
    add_connection(machine, "One")
    r = admin2.run("add", "--name", "Two", "--client-id", CLIENT_ID, "--redirect-url", machine.redirect_url)
    assert r.returncode == 0, r.stderr
    hist = json.loads(machine.plain.run("history", "--json").stdout)
    by = {(e["what"], e["connection"]): e for e in hist}
    assert by[("added", "One")]["user"] == machine.admin.name and by[("added", "One")]["trust"] == "ok"
    assert by[("added", "Two")]["user"] == admin2.name and by[("added", "Two")]["trust"] == "ok"
    assert stat.S_IMODE(machine.file("history.jsonl").stat().st_mode) == 0o664
    # An administrator edits the history by hand: xconn says where the chain breaks.
    path = machine.file("history.jsonl")
    lines = path.read_text().splitlines()
    lines[0] = lines[0].replace('"added"', '"deleted"')
    path.write_text("\n".join(lines) + "\n")
    out = machine.plain.run("history").stdout
    assert "changed outside xconn" in out, out
    r = machine.admin.run("add", "--name", "Three", "--client-id", CLIENT_ID, "--redirect-url", machine.redirect_url)
    assert r.returncode == 0


# -- hostile files in the shared folder ------------------------------------------------------------------
def _plant_link(m: Machine, name: str, target: Path) -> None:
    p = m.file(name)
    if p.exists() or p.is_symlink():
        p.unlink()
    os.symlink(target, p)


@pytest.mark.parametrize("name", ["connections.json", "history.jsonl", ".connections.lock", "legacy-grants.json"])
def test_planted_links_are_never_followed(machine, name):
    add_connection(machine)
    _plant_link(
        machine,
        name,
        machine.plain.home / "private.json"
        if name == "connections.json"
        else machine.plain.home / ".bashrc"
        if name != ".connections.lock"
        else machine.decoys.root_file,
    )
    pwned = Path(f"/tmp/xconn-pwned-{machine.users.tag}")
    runs = [
        machine.plain.run("list", "--json"),
        machine.plain.run("history"),
        machine.admin.run(
            "add", "--name", f"Evil $(id>{pwned})", "--client-id", CLIENT_ID, "--redirect-url", machine.redirect_url
        ),
        machine.root("refresh", "--all"),
        machine.root("list"),
        machine.admin.run("refresh", "--all"),
    ]
    for r in runs:
        assert "Traceback" not in r.stderr and "something unexpected" not in r.stderr, r.stderr
    if name in ("connections.json", ".connections.lock"):
        assert runs[0].returncode == 1 or runs[2].returncode == 1
        assert "link" in (runs[0].stderr + runs[2].stderr)
    assert not pwned.exists()
    machine.decoys.unchanged(machine.folder)


def test_a_hard_link_is_refused(machine):
    add_connection(machine)
    victim = machine.plain.home / "private.json"
    machine.file("history.jsonl").unlink()
    os.link(victim, machine.file("history.jsonl"))
    r = machine.admin.run("add", "--name", "Second", "--client-id", CLIENT_ID, "--redirect-url", machine.redirect_url)
    assert r.returncode == 0  # the change is made; the history entry is refused and logged, never appended
    assert victim.read_text().count("Second") == 0
    r = machine.plain.run("history")
    assert "Traceback" not in r.stderr
    os.unlink(machine.file("history.jsonl"))
    _hardlink_list = machine.file("connections.json")
    saved = _hardlink_list.read_bytes()
    _hardlink_list.unlink()
    os.link(victim, _hardlink_list)
    r = machine.plain.run("list")
    assert r.returncode == 1 and "hard links" in r.stderr, r.stderr
    _hardlink_list.unlink()
    _hardlink_list.write_bytes(saved)
    machine.decoys.unchanged(machine.folder)


def _write_list(m: Machine, doc: dict | str | bytes) -> None:
    path = m.file("connections.json")
    data = doc if isinstance(doc, bytes) else (doc if isinstance(doc, str) else json.dumps(doc)).encode()
    path.write_bytes(data)
    os.chown(path, m.admin.uid, os.lstat(m.folder).st_gid)
    path.chmod(0o664)


def _conn(**over) -> dict:
    import uuid

    return {
        "id": str(uuid.uuid4()),
        "name": "A",
        "client_id": CLIENT_ID,
        "redirect_url": "http://localhost:5000/cb",
        "scopes": ["openid", "offline_access"],
        **over,
    }


def test_ids_and_names_aimed_at_paths(machine):
    _write_list(machine, {"schema": 2, "connections": [_conn(id="../../../tmp/xconn-escape")], "profiles": []})
    r = machine.plain.run("list")
    assert r.returncode == 1 and "not an id xconn made" in r.stderr and "Ask a list administrator" in r.stderr
    assert machine.file("connections.json").exists()  # a plain user never moves it
    r = machine.root("token", "A")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert not Path("/tmp/xconn-escape.lock").exists() and not list(Path("/tmp").glob("xconn-escape*"))
    _write_list(machine, {"schema": 2, "connections": [_conn(name="$(id>/tmp/xconn-pwned) `id`")], "profiles": []})
    r = machine.plain.run("list")
    assert r.returncode == 0 and "$(id>/tmp/xconn-pwned)" in r.stdout
    assert not Path("/tmp/xconn-pwned").exists()
    machine.decoys.unchanged(machine.folder)


def test_oversized_nested_and_mistyped_files_fail_plainly(machine):
    big = b'{"schema": 2, "connections": [], "pad": "' + b"x" * 33_000_000 + b'"}'
    _write_list(machine, big)
    r = machine.plain.run("list")
    assert r.returncode == 1 and "MB" in r.stderr and "more than xconn reads" in r.stderr, r.stderr
    r = machine.admin.run("add", "--name", "B", "--client-id", CLIENT_ID, "--redirect-url", machine.redirect_url)
    assert r.returncode == 1 and machine.file("connections.json").stat().st_size == len(big)
    _write_list(machine, "[" * 200_000)
    r = machine.plain.run("list")
    assert r.returncode == 1 and "nested too deeply" in r.stderr, r.stderr
    for bad in ({"name": 12345}, {"created_at": "yesterday"}, {"scopes": "openid"}):
        _write_list(machine, {"schema": 2, "connections": [_conn(**bad)], "profiles": []})
        r = machine.plain.run("token", "A")
        assert r.returncode == 1 and "damaged" in r.stderr and "Traceback" not in r.stderr, (bad, r.stderr)
        assert "something unexpected" not in r.stderr
    # An administrator's xconn keeps the damaged file aside, never empties it silently.
    r = machine.admin.run("list")
    assert r.returncode == 1 and "kept, unchanged, as" in r.stderr
    assert list(machine.folder.glob("connections.damaged-*.json"))
    machine.decoys.unchanged(machine.folder)


def test_control_characters_never_reach_the_terminal(machine):
    evil = f"Bad{ESC}]0;owned\x07{ESC}[2J\u202eevil\r"
    _write_list(
        machine,
        {
            "schema": 2,
            "connections": [_conn(name=evil, tenant_name=evil, tenant_id="t", client_id=evil)],
            "profiles": [{"id": "0e5d6f1e-1111-4222-8333-944455556666", "name": evil, "connection_id": ""}],
        },
    )
    for args in (
        ["list"],
        ["list", "--json"],
        ["details", evil],
        ["details", evil, "--json"],
        ["doctor"],
        ["profile", "list"],
        ["usage", evil],
        ["check", "--all"],
    ):
        r = machine.plain.run(*args)
        no_raw_controls(r.stdout)
        no_raw_controls(r.stderr)
    assert "<ESC>" in machine.plain.run("list").stdout
    machine.decoys.unchanged(machine.folder)


# -- status files, locks --------------------------------------------------------------------------------
def test_another_users_status_file_cannot_be_faked_or_blocked(machine):
    add_connection(machine)
    fake = machine.folder / "status" / f"uid-{machine.admin.uid}.json"
    fake.write_text(json.dumps({"user": machine.admin.name, "connections": {}}))
    os.chown(fake, machine.plain.uid, machine.plain.gid)  # planted by the plain user in the sticky folder
    code, _out, err = authorize_as(machine.admin, "Head office")
    assert code == 0, err  # a planted file does not stop anyone from working
    assert fake.stat().st_uid == machine.plain.uid  # the sticky folder kept the attacker's file; not overwritten
    details = json.loads(machine.plain.run("details", "Head office", "--json").stdout)
    assert machine.admin.name not in details["other_users"]  # and nobody believes it
    lock = machine.file(".connections.lock")
    assert stat.S_IMODE(lock.stat().st_mode) == 0o660  # a plain user cannot hold the list's lock
    r = machine.plain.python("import sys; open(sys.argv[1], 'rb')", str(lock))
    assert r.returncode != 0 and "Permission denied" in r.stderr


# -- root and unsafe folders ------------------------------------------------------------------------------
def test_root_refuses_a_folder_a_plain_user_could_change_and_setup_machine_repairs_it(machine):
    add_connection(machine)
    machine.folder.chmod(0o2777)  # as the old package left /etc/xdg/xconn
    planted = machine.file("planted.json")
    planted.write_text("{}")
    os.chown(planted, machine.plain.uid, machine.plain.gid)
    r = machine.root("list")
    assert r.returncode == 1 and "every user of this computer could change it" in r.stderr, r.stderr
    assert "As an administrator xconn does not use it" in r.stderr
    r = machine.plain.run("list", "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == []  # falls back to the user's own list...
    doctor = {c["check"]: c for c in json.loads(machine.plain.run("doctor", "--json").stdout)}
    assert doctor["Connection list folder"]["action"] == "setup-machine"  # ...and says how to repair it
    r = machine.root("setup-machine")
    assert r.returncode == 0 and "moved aside" in r.stderr, r.stderr
    assert stat.S_IMODE(os.lstat(machine.folder).st_mode) == 0o2775 and not planted.exists()
    assert json.loads(machine.plain.run("list", "--json").stdout)[0]["name"] == "Head office"
    machine.decoys.unchanged(machine.folder)


def test_no_command_creates_the_machine_folder_except_setup_machine(machine):
    shutil.rmtree(machine.folder)
    r = machine.root("list", "--json")
    assert r.returncode == 0 and not machine.folder.exists()
    r = machine.plain.run("add", "--name", "Mine", "--client-id", CLIENT_ID, "--redirect-url", machine.redirect_url)
    assert r.returncode == 0, r.stderr  # into the user's own list, which is theirs to change
    who = json.loads(machine.plain.run("whoami", "--json").stdout)
    assert who["scope"] == "this user's own list" and who["connection_list"].startswith(str(machine.plain.home))
    doctor = {c["check"]: c for c in json.loads(machine.plain.run("doctor", "--json").stdout)}
    assert "no shared connection list on this computer yet" in doctor["Connection list folder"]["detail"]
    assert not machine.folder.exists()


# -- your authorization stays yours --------------------------------------------------------------------------
def test_another_users_request_to_my_listener_is_refused(machine):
    add_connection(machine)
    proc = machine.plain.popen("authorize", "Head office", "--no-browser", "--timeout", "30")
    url = proc.stdout.readline().strip()
    # The admin read the sign-in address (with its state) from `ps` and completes consent as themselves.
    stolen = machine.standin.consent_redirect(url)
    r = machine.admin.python(
        "import requests, sys; r = requests.get(sys.argv[1], timeout=10); "
        "print(r.status_code, 'Not your sign-in' in r.text)",
        stolen,
    )
    assert r.stdout.split() == ["403", "True"], (r.stdout, r.stderr)
    # The plain user's own browser then finishes their sign-in.
    mine = machine.plain.python("import requests, sys; print(requests.get(sys.argv[1], timeout=20).status_code)", url)
    assert mine.stdout.strip() == "200", mine.stderr
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    machine.decoys.unchanged(machine.folder)


# -- moving the old world-writable folder in ------------------------------------------------------------------
def test_migration_from_the_old_folder(machine, tmp_path):
    old = machine.base / "old-xdg"
    old.mkdir()
    old.chmod(0o2777)
    c1, c2 = _conn(name="Migrated"), _conn(name="Evil", id="../../etc/x")
    c1["grants"] = {
        machine.plain.name: {"authorized_at": time.time(), "last_refresh": time.time()},
        machine.admin.name: {"authorized_at": "yesterday"},
    }
    (old / "connections.json").write_text(json.dumps({"schema": 1, "connections": [c1], "profiles": []}))
    (old / "history.jsonl").write_text(
        json.dumps({"at": "2026-01-01", "user": "someone", "what": "added", "connection": "Migrated"}) + "\n"
    )
    os.symlink(machine.plain.home / ".bashrc", old / "keepalive.json")
    r = machine.root("setup-machine", "--migrate-from", str(old))
    assert r.returncode == 0 and "Moved 1 connection" in r.stderr, r.stderr
    assert not old.exists()
    legacy = machine.file("legacy-grants.json")
    assert legacy.stat().st_uid == 0 and stat.S_IMODE(legacy.stat().st_mode) == 0o644
    listed = json.loads(machine.plain.run("list", "--json").stdout)
    assert listed[0]["name"] == "Migrated" and listed[0]["status"] == "no_organisation"  # the grant was claimed
    hist = json.loads(machine.plain.run("history", "--json").stdout)
    assert any(e["trust"] == "from before the upgrade, unverified" for e in hist)
    # A damaged old list is not imported and its folder is kept for IT.
    old.mkdir()
    (old / "connections.json").write_text(json.dumps({"schema": 1, "connections": [c2], "profiles": []}))
    r = machine.root("setup-machine", "--migrate-from", str(old))
    assert r.returncode == 0 and "damaged" in r.stderr and old.exists()
    machine.decoys.unchanged(machine.folder)


def test_listener_uid_mapping_reads_the_kernel_table():
    """The peer-owner lookup itself, on this machine's /proc/net/tcp: a connection from this process."""
    _need_users()
    import socket

    from xconn_app.core.loopback import peer_uid_linux

    server = socket.socket()
    server.bind(("127.0.0.1", free_port()))
    server.listen()
    client = socket.create_connection(server.getsockname())
    conn, peer = server.accept()
    try:
        assert peer_uid_linux(peer, server.getsockname()) == os.geteuid()
    finally:
        for s in (conn, client, server):
            s.close()


def test_no_secret_or_private_value_in_the_shared_folder(machine):
    add_connection(machine)
    code, _out, err = authorize_as(machine.admin, "Head office")
    assert code == 0, err
    secrets_ = machine.standin.issued_secrets()
    for p in machine.folder.rglob("*"):
        if p.is_file():
            text = p.read_text(errors="replace")
            assert not [s for s in secrets_ if s in text], p
    assert not re.search(
        r"eyJ[A-Za-z0-9_-]{20,}",
        "".join(p.read_text(errors="replace") for p in machine.folder.rglob("*") if p.is_file()),
    )
    machine.decoys.unchanged(machine.folder)


def test_a_membership_not_active_yet_says_sign_out_and_back_in(machine):
    add_connection(machine)
    machine.users.add_to_group(machine.plain, machine.group)
    machine.plain.groups_flag = "--clear-groups"  # still the sign-in from before the group was given
    who = json.loads(machine.plain.run("whoami", "--json").stdout)
    assert who["list_administrator"] is False and "sign out and back in" in who["reason"]
    r = machine.plain.run("profile", "add", "Invoices")
    assert r.returncode == 5 and "sign out and back in" in r.stderr, r.stderr
    machine.plain.groups_flag = "--init-groups"  # signed in again
    assert machine.plain.run("profile", "add", "Invoices").returncode == 0


def test_setup_machine_never_takes_over_a_folder_that_is_not_xconns(machine):
    other = machine.base / "not-ours"
    other.mkdir(mode=0o755)
    (other / "important.conf").write_text("keep me\n")
    r = machine.root("setup-machine", XCONN_MACHINE_DIR=str(other))
    assert r.returncode == 1 and "holds nothing of xconn's" in r.stderr, r.stderr
    st = os.lstat(other)
    assert stat.S_IMODE(st.st_mode) == 0o755 and st.st_gid == 0
