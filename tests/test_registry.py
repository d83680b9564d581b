"""Registry: atomic save, damaged file kept aside, newer schema refused, lock, unique names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import CLIENT_ID, ROOT

from xconn_app.core.errors import DuplicateName, RegistryCorrupt, RegistryTooNew
from xconn_app.core.model import Connection
from xconn_app.core.paths import CHOSEN, ListLocation
from xconn_app.core.registry import Registry as _Registry
from xconn_app.core.registry import RegistryData

URL = "http://localhost:5000/callback"


def Registry(path):
    return _Registry(ListLocation(path, CHOSEN, "test", "--config-dir"))


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path):
    reg = Registry(tmp_path)
    data = RegistryData([Connection("A", CLIENT_ID, URL)])
    reg.save(data)
    doc = json.loads((tmp_path / "connections.json").read_text())
    assert doc["schema"] == 2 and doc["connections"][0]["name"] == "A"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["connections.json"]


def test_save_failure_keeps_the_old_file(tmp_path, monkeypatch):
    reg = Registry(tmp_path)
    reg.save(RegistryData([Connection("A", CLIENT_ID, URL)]))
    before = (tmp_path / "connections.json").read_bytes()

    def full(fd):
        import errno

        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    from xconn_app.core.errors import RegistryUnwritable

    with pytest.raises(RegistryUnwritable) as info:
        reg.save(RegistryData([Connection("B", CLIENT_ID, URL)]))
    assert "disk is full" in info.value.message
    assert (tmp_path / "connections.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["connections.json"]


def test_damaged_file_is_kept_aside_and_reported(tmp_path):
    (tmp_path / "connections.json").write_text('{"schema": 1, "connections": [ {"name": ')
    with pytest.raises(RegistryCorrupt) as info:
        Registry(tmp_path).load()
    kept = info.value.kept_as
    assert kept and os.path.exists(kept) and "damaged" in kept
    assert Path(kept).read_text().startswith('{"schema": 1')
    assert kept in info.value.message
    assert Registry(tmp_path).load().connections == []  # after the report, a fresh start


def test_newer_schema_is_refused_and_untouched(tmp_path):
    path = tmp_path / "connections.json"
    path.write_text('{"schema": 99, "connections": []}')
    with pytest.raises(RegistryTooNew) as info:
        Registry(tmp_path).load()
    assert "newer version" in info.value.message
    assert path.read_text() == '{"schema": 99, "connections": []}'


def test_unknown_fields_are_not_carried_into_the_shared_file(tmp_path):
    """What xconn does not know it does not write back: a list that was (say) a link to someone's private
    JSON file must not spread that file's other keys into a world-readable list."""
    path = tmp_path / "connections.json"
    c = Connection("A", CLIENT_ID, URL).to_dict()
    c["private_field"] = {"x": 1}
    path.write_text(json.dumps({"schema": 2, "connections": [c], "profiles": [], "password": "hunter2"}))
    reg = Registry(tmp_path)
    reg.save(reg.load())
    doc = json.loads(path.read_text())
    assert "private_field" not in doc["connections"][0] and "password" not in doc
    assert doc["connections"][0]["name"] == "A"


def test_schema_1_grants_are_handed_to_their_users_not_saved_back(tmp_path):
    path = tmp_path / "connections.json"
    c = Connection("A", CLIENT_ID, URL).to_dict()
    c["grants"] = {"alice": {"authorized_at": 1700000000.0, "last_refresh": "yesterday"}}
    c["xero_connection_id"] = "abc"
    path.write_text(json.dumps({"schema": 1, "connections": [c], "profiles": []}))
    reg = Registry(tmp_path)
    data = reg.load()
    assert data.legacy_grants == {
        "alice": {
            c["id"]: {
                "authorized_at": 1700000000.0,
                "last_refresh": 0.0,
                "needs_reauthorization": False,
                "authorized_host": "",
                "reason": "",
                "xero_connection_id": "abc",
            }
        }
    }
    with reg.transaction():
        pass
    doc = json.loads(path.read_text())
    assert doc["schema"] == 2 and "grants" not in doc["connections"][0]
    kept = json.loads((tmp_path / "legacy-grants.json").read_text())
    assert kept["grants"]["alice"][c["id"]]["authorized_at"] == 1700000000.0


def test_lock_serialises_read_modify_write_across_processes(tmp_path):
    script = (
        "import sys\nfrom xconn_app.core.registry import Registry\nfrom xconn_app.core.model import Profile\n"
        "from xconn_app.core.paths import ListLocation\n"
        "reg = Registry(ListLocation(__import__('pathlib').Path(sys.argv[1]), 'chosen', 'test'))\n"
        "for i in range(25):\n"
        "    with reg.transaction() as d:\n"
        "        d.profiles.append(Profile(name=f'{sys.argv[2]}-{i}'))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path), f"w{n}"], cwd=str(ROOT)) for n in range(4)]
    for p in procs:
        assert p.wait(60) == 0
    names = {p.name for p in Registry(tmp_path).load().profiles}
    assert len(names) == 100


def test_display_names_are_unique_ignoring_case(service):
    service.add("Head Office", CLIENT_ID, URL)
    with pytest.raises(DuplicateName):
        service.add("head office", CLIENT_ID, URL)
    service.add("Branch", CLIENT_ID, URL)
    with pytest.raises(DuplicateName):
        service.edit("Branch", name="HEAD OFFICE")
    assert [c.name for c in service.connections()] == ["Head Office", "Branch"]


def test_threads_in_one_process_do_not_lose_updates(service):
    def add(n):
        service.add_profile(f"P{n}")

    threads = [threading.Thread(target=add, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(service.profiles()) == 20
