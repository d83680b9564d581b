"""4. Token hand-out: `xconn token N` with a valid cached access token, against the keyring floor
`python -c "import keyring; keyring.get_keyring()"` (both with the test file keyring), and the
in-process `xconn_app.open_session()` cost with a valid token.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from _common import PYTHON, ROOT, Row, apply_env, isolated_env, log, median, ms, temp_dir

RATIO_BUDGET = 1.5
SESSION_BUDGET_MS = 5.0
NAME = "Head office"


def _setup(folder: Path) -> dict:
    env = isolated_env(folder)
    apply_env(env)
    from xconn_app.core.model import Connection, Grant, TokenSet
    from xconn_app.core.secrets import TokenStore
    from xconn_app.core.service import Service

    svc = Service()
    now = time.time()
    conn = Connection(
        name=NAME,
        client_id="0123456789ABCDEF0123456789ABCDEF",
        redirect_url="http://localhost:5000/callback",
        tenant_id="t-1",
        tenant_name="Demo Company (NZ)",
    )
    with svc.definitions.change("bench") as (data, _record):
        data.connections.append(conn)
    svc.grants.put(
        Grant(
            connection_id=conn.id,
            authorized_at=now,
            authorized_host="bench",
            last_refresh=now,
            fingerprint=conn.fingerprint,
        )
    )
    TokenStore().save(conn.id, TokenSet(access_token="a" * 1200, refresh_token="r" * 40, expires_at=now + 1700))
    full = dict(os.environ)
    full.update(env)
    return full


def run(rounds: int = 11) -> tuple[list[Row], dict]:
    folder = temp_dir("token")
    env = _setup(folder)
    xconn = shutil.which("xconn", path=str(Path(PYTHON).parent))
    cmd = [xconn] if xconn else [PYTHON, "-m", "xconn_app"]
    floor_cmd = [PYTHON, "-c", "import keyring; keyring.get_keyring()"]

    def once(c) -> float:
        t = time.perf_counter()
        r = subprocess.run(c, env=env, cwd=str(ROOT), capture_output=True, text=True, timeout=30)
        took = time.perf_counter() - t
        if r.returncode != 0:
            raise RuntimeError(f"{c} failed: {r.stderr[-500:]}")
        return took

    once([*cmd, "token", NAME])
    once(floor_cmd)
    floor, got = [], []
    for _ in range(rounds):
        floor.append(once(floor_cmd))
        got.append(once([*cmd, "token", NAME]))
    f, g = median(floor), median(got)
    ratio = g / f
    log(f"token: floor {ms(f):.0f} ms, xconn token {ms(g):.0f} ms ({ratio:.2f}x)")

    import xconn_app

    t = time.perf_counter()
    s = xconn_app.open_session(NAME)
    cold = time.perf_counter() - t
    s.close()
    warm = []
    for _ in range(21):
        t = time.perf_counter()
        s = xconn_app.open_session(NAME)
        warm.append(time.perf_counter() - t)
        s.close()
    w = median(warm)
    tok = []
    for _ in range(21):
        t = time.perf_counter()
        xconn_app.access_token(NAME)
        tok.append(time.perf_counter() - t)
    rows = [
        Row("token", '`python -c "import keyring; keyring.get_keyring()"` (floor)', f"{ms(f):.0f} ms", "", None),
        Row(
            "token",
            "`xconn token N`, valid cached access token",
            f"{ms(g):.0f} ms = {ratio:.2f}x",
            f"<= {RATIO_BUDGET}x",
            ratio <= RATIO_BUDGET,
        ),
        Row(
            "token",
            "`xconn_app.open_session(N)` in-process, valid token",
            f"{ms(w):.2f} ms (first call {ms(cold):.0f} ms)",
            f"<= {SESSION_BUDGET_MS:.0f} ms",
            ms(w) <= SESSION_BUDGET_MS,
        ),
        Row("token", "`xconn_app.access_token(N)` in-process, valid token", f"{ms(median(tok)):.2f} ms", "", None),
    ]
    return rows, {"token_ms": {"floor": ms(f), "cli": ms(g), "open_session": ms(w), "open_session_first": ms(cold)}}


if __name__ == "__main__":
    for r in run(5)[0]:
        print(r.figure, r.value, r.budget, r.verdict)
