"""core/elevate.py: setup-machine through the system's administrator prompt (no prompt is shown here)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from xconn_app.core import elevate
from xconn_app.core.errors import InvalidInput


def test_linux_runs_exactly_setup_machine_through_pkexec():
    command = elevate.elevated_command("alice", platform="linux", environ={})
    assert command[0] == "pkexec"
    assert command[-3:] == ["setup-machine", "--add-admin", "alice"]
    assert command[1:-3] == [sys.executable, "-m", "xconn_app"]


def test_the_list_folder_and_group_are_passed_through_the_prompt():
    command = elevate.elevated_command(
        None, platform="linux", environ={"XCONN_MACHINE_DIR": "/srv/x", "XCONN_ADMIN_GROUP": "capture", "PATH": "/bin"}
    )
    assert command[:4] == ["pkexec", "/usr/bin/env", "XCONN_MACHINE_DIR=/srv/x", "XCONN_ADMIN_GROUP=capture"]
    assert command[-1] == "setup-machine" and not any(a.startswith("PATH=") for a in command)


def test_macos_asks_through_osascript_with_the_command_quoted():
    command = elevate.elevated_command("jane doe", platform="darwin", environ={})
    assert command[:2] == ["/usr/bin/osascript", "-e"]
    assert command[2].endswith('" with administrator privileges')
    assert "setup-machine --add-admin 'jane doe'" in command[2]


@pytest.mark.parametrize("name", ["root; rm -rf /", "$(id)", "", "a" * 80, "-rf"])
def test_only_plain_user_names_are_accepted(name):
    with pytest.raises(InvalidInput):
        elevate.setup_args(name)


def _fake(code, out="", err=""):
    calls = []

    def run(command, **kw):
        calls.append(command)
        return subprocess.CompletedProcess(command, code, out, err)

    return run, calls


def test_success_cancel_and_refusal_are_told_apart():
    run, calls = _fake(0, "The shared folder is ready.\n")
    done = elevate.run_setup_machine(run=run, platform="linux")
    assert done.ok and not done.cancelled and "ready" in done.output and calls[0][0] == "pkexec"
    run, _ = _fake(elevate.PKEXEC_DISMISSED)
    assert elevate.run_setup_machine(run=run, platform="linux") == elevate.Elevated(False, cancelled=True)
    run, _ = _fake(2, "", "xconn: There is no user 'bob' on this computer.\x1b]0;x\x07")
    done = elevate.run_setup_machine("bob", run=run, platform="linux")
    assert not done.ok and not done.cancelled and "no user 'bob'" in done.output and "\x1b" not in done.output
    run, _ = _fake(1, "", "execution error: User canceled. (-128)")
    assert elevate.run_setup_machine(run=run, platform="darwin").cancelled


def test_a_missing_prompt_tool_is_said_plainly():
    def run(command, **kw):
        raise FileNotFoundError(command[0])

    done = elevate.run_setup_machine(run=run, platform="linux")
    assert not done.ok and "pkexec is missing" in done.output
