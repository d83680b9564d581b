"""The one version source: `version` in pyproject.toml's [project] table.

    python build/version.py            prints it (the workflows and the installer scripts use this)
    python build/version.py --check V  exits 1 unless V is that version (a tag vX.Y.Z may be given)

Everything else derives from it: the installed package's metadata (which the app reads, frozen or
not: xconn_app.__version__), the .deb's Version and changelog, the Windows version resources, the
macOS Info.plist and .pkg. A plain regex, not tomllib, so it also runs on Python 3.10.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
_SEMVER = re.compile(r"\d+\.\d+\.\d+")


def project_version(pyproject: Path = PYPROJECT) -> str:
    text = pyproject.read_text(encoding="utf-8")
    table = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    found = re.search(r'^version\s*=\s*"([^"]+)"\s*$', table.group(1) if table else "", re.M)
    if not found:
        raise SystemExit(f'{pyproject}: no version = "X.Y.Z" in [project]')
    version = found.group(1)
    if not _SEMVER.fullmatch(version):
        # the Windows resources need four numbers and the .deb a native version: keep it X.Y.Z
        raise SystemExit(f"{pyproject}: version {version!r} is not X.Y.Z")
    return version


def windows_version_tuple(version: str) -> tuple[int, int, int, int]:
    return (*(int(p) for p in version.split(".")), 0)  # type: ignore[return-value]


def main(argv: list[str]) -> int:
    version = project_version()
    if len(argv) == 2 and argv[0] == "--check":
        wanted = argv[1][1:] if argv[1].startswith("v") else argv[1]
        if wanted != version:
            print(f"version mismatch: {argv[1]} but pyproject.toml says {version}", file=sys.stderr)
            return 1
        return 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    print(version)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
