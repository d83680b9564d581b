"""Windows security glue over ctypes (no pywin32): SIDs, elevation, group membership, file owners,
and which user owns the other end of a loopback TCP connection.

Every function degrades to a safe answer (None / False) when an API call fails; callers treat
"could not tell" as "not trusted". Nothing here is imported on other systems.
"""

from __future__ import annotations

import ctypes
import os
from ctypes import wintypes

if os.name != "nt":  # pragma: no cover - imported only on Windows
    raise ImportError("winsec is for Windows only")

advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
iphlpapi = ctypes.WinDLL("iphlpapi", use_last_error=True)
shell32 = ctypes.WinDLL("shell32", use_last_error=True)

TOKEN_QUERY = 0x0008
TokenUser = 1
PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
SE_FILE_OBJECT = 1
OWNER_SECURITY_INFORMATION = 0x1
FILE_ATTRIBUTE_REPARSE_POINT = 0x400
AF_INET, AF_INET6 = 2, 23
TCP_TABLE_OWNER_PID_ALL = 5


def _sid_to_string(psid) -> str | None:
    out = wintypes.LPWSTR()
    if not advapi32.ConvertSidToStringSidW(psid, ctypes.byref(out)):
        return None
    try:
        return out.value
    finally:
        kernel32.LocalFree(out)


def _token_user_sid(token) -> str | None:
    size = wintypes.DWORD()
    advapi32.GetTokenInformation(token, TokenUser, None, 0, ctypes.byref(size))
    buf = ctypes.create_string_buffer(size.value)
    if not advapi32.GetTokenInformation(token, TokenUser, buf, size, ctypes.byref(size)):
        return None
    psid = ctypes.cast(buf, ctypes.POINTER(ctypes.c_void_p))[0]
    return _sid_to_string(psid)


def current_user_sid() -> str | None:
    token = wintypes.HANDLE()
    if not advapi32.OpenProcessToken(kernel32.GetCurrentProcess(), TOKEN_QUERY, ctypes.byref(token)):
        return None
    try:
        return _token_user_sid(token)
    finally:
        kernel32.CloseHandle(token)


def process_user_sid(pid: int) -> str | None:
    process = kernel32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    if not process:
        return None
    try:
        token = wintypes.HANDLE()
        if not advapi32.OpenProcessToken(process, TOKEN_QUERY, ctypes.byref(token)):
            return None
        try:
            return _token_user_sid(token)
        finally:
            kernel32.CloseHandle(token)
    finally:
        kernel32.CloseHandle(process)


def is_elevated() -> bool:
    try:
        return bool(shell32.IsUserAnAdmin())
    except OSError:
        return False


def _sid_for_name(name: str):
    sid_size, domain_size = wintypes.DWORD(0), wintypes.DWORD(0)
    use = wintypes.DWORD()
    advapi32.LookupAccountNameW(
        None, name, None, ctypes.byref(sid_size), None, ctypes.byref(domain_size), ctypes.byref(use)
    )
    if not sid_size.value:
        return None
    sid = ctypes.create_string_buffer(sid_size.value)
    domain = ctypes.create_unicode_buffer(domain_size.value)
    if not advapi32.LookupAccountNameW(
        None, name, sid, ctypes.byref(sid_size), domain, ctypes.byref(domain_size), ctypes.byref(use)
    ):
        return None
    return sid


def in_group(name: str) -> bool:
    """True when the group is enabled in this process's token (CheckTokenMembership)."""
    sid = _sid_for_name(name)
    if sid is None:
        return False
    member = wintypes.BOOL()
    if not advapi32.CheckTokenMembership(None, sid, ctypes.byref(member)):
        return False
    return bool(member.value)


def group_sid(name: str) -> str | None:
    sid = _sid_for_name(name)
    return _sid_to_string(sid) if sid is not None else None


def owner_sid(path: str) -> str | None:
    powner = ctypes.c_void_p()
    psd = ctypes.c_void_p()
    err = advapi32.GetNamedSecurityInfoW(
        path, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, ctypes.byref(powner), None, None, None, ctypes.byref(psd)
    )
    if err != 0:
        return None
    try:
        return _sid_to_string(powner)
    finally:
        kernel32.LocalFree(psd)


def is_reparse_point(path: str) -> bool:
    attrs = kernel32.GetFileAttributesW(path)
    return attrs != 0xFFFFFFFF and bool(attrs & FILE_ATTRIBUTE_REPARSE_POINT)


class _Row4(ctypes.Structure):
    _fields_ = [
        ("state", wintypes.DWORD),
        ("local_addr", wintypes.DWORD),
        ("local_port", wintypes.DWORD),
        ("remote_addr", wintypes.DWORD),
        ("remote_port", wintypes.DWORD),
        ("pid", wintypes.DWORD),
    ]


class _Row6(ctypes.Structure):
    _fields_ = [
        ("local_addr", ctypes.c_ubyte * 16),
        ("local_scope", wintypes.DWORD),
        ("local_port", wintypes.DWORD),
        ("remote_addr", ctypes.c_ubyte * 16),
        ("remote_scope", wintypes.DWORD),
        ("remote_port", wintypes.DWORD),
        ("state", wintypes.DWORD),
        ("pid", wintypes.DWORD),
    ]


def _port(value: int) -> int:
    return ((value & 0xFF) << 8) | ((value >> 8) & 0xFF)


def tcp_peer_pid(peer: tuple, local: tuple) -> int | None:
    """The process owning the client end (``peer``) of a loopback connection to ``local``."""
    family = AF_INET6 if ":" in peer[0] else AF_INET
    row_type = _Row6 if family == AF_INET6 else _Row4
    size = wintypes.DWORD(0)
    iphlpapi.GetExtendedTcpTable(None, ctypes.byref(size), False, family, TCP_TABLE_OWNER_PID_ALL, 0)
    buf = ctypes.create_string_buffer(size.value)
    if iphlpapi.GetExtendedTcpTable(buf, ctypes.byref(size), False, family, TCP_TABLE_OWNER_PID_ALL, 0) != 0:
        return None
    count = ctypes.cast(buf, ctypes.POINTER(wintypes.DWORD))[0]
    rows = ctypes.cast(ctypes.addressof(buf) + ctypes.sizeof(wintypes.DWORD), ctypes.POINTER(row_type * count))[0]
    import ipaddress

    want_peer = (ipaddress.ip_address(peer[0].split("%")[0]), peer[1])
    want_local = (ipaddress.ip_address(local[0].split("%")[0]), local[1])
    for row in rows:
        if family == AF_INET:
            laddr = ipaddress.IPv4Address(row.local_addr.to_bytes(4, "little"))
            raddr = ipaddress.IPv4Address(row.remote_addr.to_bytes(4, "little"))
        else:
            laddr = ipaddress.IPv6Address(bytes(row.local_addr))
            raddr = ipaddress.IPv6Address(bytes(row.remote_addr))
        if (laddr, _port(row.local_port)) == want_peer and (raddr, _port(row.remote_port)) == want_local:
            return int(row.pid)
    return None
