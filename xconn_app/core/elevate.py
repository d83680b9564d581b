"""``xconn setup-machine`` run as an administrator from the window, never typed by the person.

Diagnose offers two buttons that need an administrator's password: "Repair the shared folder"
(``setup-machine``) and "Become a list administrator" (``setup-machine --add-admin USER``). This
runs exactly that command through the system's own prompt: pkexec (polkit) on Linux, UAC ("runas")
on Windows, the administrator prompt (osascript) on macOS. Nothing else can be run through it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from .errors import InvalidInput
from .keepalive import cli_command
from .text import visible

# Passed through the prompt (pkexec and sudo clear the environment): where the list is, which group.
PASSED_ENV = ("XCONN_MACHINE_DIR", "XCONN_ADMIN_GROUP")
PKEXEC_DISMISSED = 126  # the person closed the password prompt
PKEXEC_NOT_AUTHORIZED = 127
WINDOWS_CANCELLED = 1223  # ERROR_CANCELLED: the UAC prompt was answered No
TIMEOUT = 600.0


@dataclass(frozen=True)
class Elevated:
    ok: bool
    cancelled: bool = False
    output: str = ""  # what setup-machine said (POSIX), or why it could not run


def setup_args(add_admin: str | None = None) -> list[str]:
    """The command line of setup-machine for this xconn (frozen or not), without any prompt tool."""
    from .machine import USER_RE

    args = [*cli_command(), "setup-machine"]
    if add_admin is not None:
        if not USER_RE.match(add_admin):
            raise InvalidInput(f"'{visible(add_admin, 64)}' is not a user name.", "Give the login name of the user.")
        args += ["--add-admin", add_admin]
    return args


def elevated_command(
    add_admin: str | None = None, *, platform: str = sys.platform, environ: dict | None = None
) -> list[str]:
    """The command that asks for the administrator's password and then runs setup-machine (POSIX)."""
    env = os.environ if environ is None else environ
    args = setup_args(add_admin)
    passed = [f"{k}={env[k]}" for k in PASSED_ENV if env.get(k)]
    if platform == "darwin":
        line = " ".join(shlex.quote(a) for a in (["/usr/bin/env", *passed] if passed else []) + args)
        script = (
            'do shell script "' + line.replace("\\", "\\\\").replace('"', '\\"') + '" with administrator privileges'
        )
        return ["/usr/bin/osascript", "-e", script]
    return ["pkexec", *(["/usr/bin/env", *passed] if passed else []), *args]


def run_setup_machine(
    add_admin: str | None = None,
    *,
    run: Callable[..., subprocess.CompletedProcess] | None = None,
    platform: str = sys.platform,
) -> Elevated:
    """Blocking (run it off the Tk thread): the password prompt, then setup-machine. Never raises for a
    refusal or a cancelled prompt; InvalidInput for a bad user name."""
    if platform.startswith("win"):
        return _windows(setup_args(add_admin))
    command = elevated_command(add_admin, platform=platform)
    runner = run or subprocess.run
    try:
        done = runner(command, capture_output=True, text=True, timeout=TIMEOUT)
    except FileNotFoundError:
        return Elevated(
            False,
            output="This computer has no administrator prompt for programs (pkexec is "
            "missing). Ask IT to run the repair.",
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return Elevated(False, output=f"The administrator prompt could not be started ({exc}).")
    said = visible((done.stdout or "") + (done.stderr or ""), 4000).strip()
    if platform == "darwin" and done.returncode != 0 and "-128" in (done.stderr or ""):
        return Elevated(False, cancelled=True)
    if done.returncode in (PKEXEC_DISMISSED, PKEXEC_NOT_AUTHORIZED) and platform != "darwin":
        return Elevated(False, cancelled=True, output=said)
    return Elevated(done.returncode == 0, output=said)


def _windows(args: list[str]) -> Elevated:  # pragma: no cover - Windows only
    if sys.platform != "win32":
        raise OSError("UAC exists on Windows only")
    import ctypes
    from ctypes import wintypes

    class SHELLEXECUTEINFOW(ctypes.Structure):
        _fields_ = [
            ("cbSize", wintypes.DWORD),
            ("fMask", ctypes.c_ulong),
            ("hwnd", wintypes.HWND),
            ("lpVerb", wintypes.LPCWSTR),
            ("lpFile", wintypes.LPCWSTR),
            ("lpParameters", wintypes.LPCWSTR),
            ("lpDirectory", wintypes.LPCWSTR),
            ("nShow", ctypes.c_int),
            ("hInstApp", wintypes.HINSTANCE),
            ("lpIDList", ctypes.c_void_p),
            ("lpClass", wintypes.LPCWSTR),
            ("hkeyClass", wintypes.HKEY),
            ("dwHotKey", wintypes.DWORD),
            ("hIcon", wintypes.HANDLE),
            ("hProcess", wintypes.HANDLE),
        ]

    see_mask_nocloseprocess, sw_hide = 0x40, 0
    info = SHELLEXECUTEINFOW(
        cbSize=ctypes.sizeof(SHELLEXECUTEINFOW),
        fMask=see_mask_nocloseprocess,
        lpVerb="runas",
        lpFile=args[0],
        lpParameters=subprocess.list2cmdline(args[1:]),
        nShow=sw_hide,
    )
    if not ctypes.windll.shell32.ShellExecuteExW(ctypes.byref(info)):
        error = ctypes.GetLastError()
        if error == WINDOWS_CANCELLED:
            return Elevated(False, cancelled=True)
        return Elevated(False, output=f"The administrator prompt could not be started (error {error}).")
    try:
        ctypes.windll.kernel32.WaitForSingleObject(info.hProcess, int(TIMEOUT * 1000))
        code = wintypes.DWORD()
        ctypes.windll.kernel32.GetExitCodeProcess(info.hProcess, ctypes.byref(code))
    finally:
        ctypes.windll.kernel32.CloseHandle(info.hProcess)
    return Elevated(code.value == 0, output="" if code.value == 0 else f"setup-machine ended with code {code.value}.")
