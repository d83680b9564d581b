"""Subprocess worker for the reliability suite. Uses the real xconn code, only in another process.

xconn_worker.py writer PREFIX             add PREFIX-0, PREFIX-1, ... forever; every 3rd step edits
                                          an earlier one; prints "add NAME" / "edit NAME PORT" after
                                          each committed save (flushed), so a kill -9 can be judged
xconn_worker.py mixed W STEPS             one of several concurrent writers: add / edit / switch
xconn_worker.py token NAME START_AT       wait until time.time() >= START_AT, print an access token
xconn_worker.py crash-after-refresh NAME  refresh, then die (os._exit(9)) on the first keyring save
xconn_worker.py cli PATCH ARGS...         run the CLI with a fault patched in (PATCH: enospc, leak, none)
"""

from __future__ import annotations

import errno
import os
import sys
import time

CLIENT_ID = "0123456789ABCDEF0123456789ABCDEF"


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def writer(prefix: str) -> None:
    from xconn_app.core.service import Service

    svc = Service()
    i = 0
    while True:
        name = f"{prefix}-{i}"
        svc.add(name, CLIENT_ID, f"http://localhost:{20000 + i % 1000}/callback")
        say(f"add {name}")
        if i % 3 == 2:
            target = f"{prefix}-{i // 2}"
            port = 30000 + i
            svc.edit(target, redirect_url=f"http://localhost:{port}/callback")
            say(f"edit {target} {port}")
        i += 1


def mixed(w: str, steps: int) -> None:
    """Writer w owns connections W{w}-A/B/C-k and profiles P{w}-k; all writers run at once."""
    from xconn_app.core.service import Service

    svc = Service()
    svc.add(f"W{w}-A", CLIENT_ID, "http://localhost:5000/callback")
    svc.add(f"W{w}-B", CLIENT_ID, "http://localhost:5001/callback")
    for k in range(steps):
        svc.add(f"W{w}-C-{k}", CLIENT_ID, "http://localhost:5002/callback")
        svc.add_profile(f"P{w}-{k}", f"W{w}-A")
        svc.edit(f"W{w}-A", redirect_url=f"http://localhost:{6000 + k}/callback")
        if k % 2 == 1:
            svc.switch_profiles(f"W{w}-A", f"W{w}-B")
    say("done")


def token(name: str, start_at: float) -> None:
    from xconn_app.core.service import Service

    svc = Service()
    svc.store.ensure_usable()  # open the keyring before the start line: contention, not import time
    svc.load()
    while time.time() < start_at:
        time.sleep(0.001)
    say(svc.access_token(connection=name))


def crash_after_refresh(name: str) -> None:
    from xconn_app.core import secrets
    from xconn_app.core.service import Service

    def die(self, connection_id, tokens):
        os._exit(9)  # Xero answered, the rotated refresh token is not stored yet

    secrets.TokenStore.save = die
    Service().access_token(connection=name)
    say("not reached")


def cli(patch: str, args: list[str]) -> int:
    if patch == "enospc":

        def full(*_a, **_k):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        os.fsync = full
    elif patch == "leak":  # an unforeseen bug whose message carries every secret the process holds
        from xconn_app.core import xero
        from xconn_app.core.secrets import TokenStore

        def leaky(self, access_token):
            conn_id = os.environ["XCONN_LEAK_CONNECTION"]
            tokens = TokenStore().load(conn_id)
            raise RuntimeError(f"boom access={access_token} refresh {tokens.refresh_token} raw:{tokens.refresh_token}")

        xero.XeroClient.list_tenants = leaky
    from xconn_app.cli import main

    return main(args)


def main() -> int:
    mode, rest = sys.argv[1], sys.argv[2:]
    if mode == "writer":
        writer(rest[0])
    elif mode == "mixed":
        mixed(rest[0], int(rest[1]))
    elif mode == "token":
        token(rest[0], float(rest[1]))
    elif mode == "crash-after-refresh":
        crash_after_refresh(rest[0])
    elif mode == "cli":
        return cli(rest[0], rest[1:])
    else:
        raise SystemExit(f"unknown mode {mode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
