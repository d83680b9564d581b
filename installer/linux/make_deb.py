"""Stage, check and pack the xconn .deb from a onedir build (run by build_deb.sh, in its build venv).

    python installer/linux/make_deb.py --app DIR --work DIR --out DIR --version X.Y.Z

DIR is `build/build.py --mode onedir`'s dist/onedir/xconn. What it does, in order:
  - checks the version everywhere: pyproject.toml (--version), the changelog's latest entry, and
    `--version` of both executables; any difference stops the build;
  - /usr/lib/xconn/ = the onedir build without the shared libraries the system provides (each one
    found in a Debian package is dropped and depended on; libpython, which PyInstaller's bootloader
    opens by path, becomes a link to the system's); /usr/bin/xconn and xconn-cli link to it;
  - desktop entry, icons, systemd user timer, XDG autostart fallback, man pages (build/manpage.py,
    from the argument parser), changelog, copyright (with the notices of every bundled component),
    lintian overrides, maintainer scripts, md5sums;
  - Depends = dpkg-shlibdeps over every ELF file + the libraries loaded at run time, which
    dpkg-shlibdeps cannot see (RUNTIME_LIBS; tests/test_packaging.py checks the running window
    maps nothing else);
  - every mtime clamped to SOURCE_DATE_EPOCH, dpkg-deb --root-owner-group: a reproducible .deb.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import importlib.metadata as md
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "build"))
from version import project_version  # noqa: E402

PACKAGE = "xconn"
MAINTAINER = "xconn maintainers <xconn@example.com>"
HOMEPAGE = "https://github.com/xconn/xconn"
PREFIX = Path("usr/lib/xconn")

# Loaded with dlopen() at run time, so dpkg-shlibdeps cannot see them; each must be in Depends.
# libX11 loads libXcursor (cursor themes) and libXcursor needs libXfixes; libxcb comes with
# libX11 (seen by dpkg-shlibdeps through libtk). The bootloader opens libpython by path.
# tests/test_packaging.py::test_deb_window_noexec_tmp compares these with /proc/PID/maps.
RUNTIME_LIBS = ["libXcursor.so.1", "libXfixes.so.3"]

RECOMMENDS = [
    "dbus-user-session",  # the keep-alive user timer reaches the keyring over the session bus
    "gnome-keyring",  # a Secret Service; the frozen app speaks D-Bus to it itself
]
SUGGESTS = ["keepassxc"]  # another Secret Service provider


def run(cmd, **kw) -> str:
    return subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True, **kw).stdout


def fail(message: str) -> None:
    raise SystemExit(f"make_deb: {message}")


# -- checks ---------------------------------------------------------------------------------------
def check_versions(app: Path, version: str) -> None:
    if version != project_version():
        fail(f"--version {version} but pyproject.toml says {project_version()}")
    changelog = run(["dpkg-parsechangelog", "-l", HERE / "changelog", "-S", "Version"]).strip()
    if changelog != version:
        fail(
            f"installer/linux/changelog's latest entry is {changelog}, pyproject.toml says {version}: "
            "add an entry (dch -v) before building"
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XCONN_", "PYTHON_KEYRING"))}
    for exe in ("xconn", "xconn-cli"):
        said = subprocess.run([str(app / exe), "--version"], capture_output=True, text=True, timeout=60, env=env)
        if said.stdout.strip() != f"xconn {version}":
            fail(f"{app / exe} --version says {said.stdout.strip()!r} (exit {said.returncode}), not 'xconn {version}'")


# -- the system's libraries -----------------------------------------------------------------------
def multiarch() -> str:
    return run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"]).strip()


def owner(path: Path) -> str | None:
    """The Debian package that installed this file (either side of the /usr merge), or None."""
    candidates = {str(path)}
    s = str(path)
    if s.startswith("/usr/lib/"):
        candidates.add(s[len("/usr") :])
    elif s.startswith("/lib/"):
        candidates.add("/usr" + s)
    for c in sorted(candidates):
        r = subprocess.run(["dpkg-query", "-S", c], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.split(":", 1)[0].strip()
    return None


def system_library(name: str) -> Path | None:
    triplet = multiarch()
    for folder in (f"/usr/lib/{triplet}", f"/lib/{triplet}", "/usr/lib", "/lib"):
        p = Path(folder) / name
        if p.exists() and owner(p):
            return p
    return None


def unbundle(internal: Path) -> dict[str, tuple[Path, str]]:
    """Drop the bundled copies of system libraries; returns {name: (system path, package)}."""
    dropped = {}
    for lib in sorted(internal.iterdir()):
        if not (lib.is_file() and re.match(r"lib.+\.so(\.\d+)*$", lib.name)):
            continue
        system = system_library(lib.name)
        if system is None:
            continue  # not from Debian: stays bundled
        package = owner(system)
        lib.unlink()
        if lib.name.startswith("libpython"):
            # the bootloader dlopen()s <_internal>/libpythonX.Y.so by path: point it at the system's
            target = Path("/usr/lib") / multiarch() / lib.name
            lib.symlink_to(os.path.relpath(target, Path("/") / PREFIX / "_internal"))
        dropped[lib.name] = (system, package)
    return dropped


def shlibs_dependency(package: str, soname: str) -> str:
    """The dependency a library's package declares for its users (its shlibs file), or >= its version."""
    m = re.match(r"(.+)\.so\.(.+)$", soname) or re.match(r"(.+)-(.+)\.so$", soname)
    name, soversion = (m.group(1), m.group(2)) if m else (soname, "")
    for kind in ("shlibs",):
        path = run(["dpkg-query", "--control-path", package, kind]).strip()
        if path:
            for line in Path(path).read_text().splitlines():
                parts = line.split(None, 2)
                if len(parts) == 3 and parts[0] == name and parts[1] == soversion:
                    return parts[2]
    upstream = run(["dpkg-query", "-W", "-f=${Version}", package]).strip()
    upstream = re.sub(r"-[^-]*$", "", upstream)  # the Debian revision: any build of this upstream
    return f"{package} (>= {upstream})"


def depends(stage: Path, work: Path, dropped: dict[str, tuple[Path, str]]) -> list[str]:
    elves = []
    for p in sorted(stage.rglob("*")):
        if p.is_file() and not p.is_symlink() and p.read_bytes()[:4] == b"\x7fELF":
            elves.append(p)
    (work / "debian").mkdir(exist_ok=True)
    (work / "debian" / "control").write_text(f"Source: {PACKAGE}\n\nPackage: {PACKAGE}\nArchitecture: any\n")
    out = subprocess.run(
        ["dpkg-shlibdeps", "-O", "-e", *[str(p.relative_to(work)) for p in elves]],
        cwd=work,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        fail(f"dpkg-shlibdeps failed:\n{out.stderr}")
    found = re.search(r"^shlibs:Depends=(.*)$", out.stdout, re.M)
    deps = [d.strip() for d in (found.group(1) if found else "").split(",") if d.strip()]
    runtime = [name for name in dropped if name.startswith("libpython")] + RUNTIME_LIBS
    for soname in runtime:
        system = dropped[soname][0] if soname in dropped else system_library(soname)
        if system is None:
            fail(f"{soname} (loaded at run time) is not installed from a Debian package here")
        deps.append(shlibs_dependency(owner(system), soname))
    return merge(deps)


def merge(deps: list[str]) -> list[str]:
    """One entry per package, the strongest version constraint kept (dpkg --compare-versions)."""
    best: dict[str, str] = {}
    for dep in deps:
        name = dep.split()[0]
        if name not in best:
            best[name] = dep
            continue
        old = best[name]
        m_old, m_new = re.search(r"\((>=|>>) (.+)\)", old), re.search(r"\((>=|>>) (.+)\)", dep)
        if m_new and (
            not m_old
            or subprocess.run(["dpkg", "--compare-versions", m_new.group(2), "gt", m_old.group(2)]).returncode == 0
        ):
            best[name] = dep
    return [best[k] for k in sorted(best)]


# -- copyright -------------------------------------------------------------------------------------
COMMON = {"Apache-2.0": "Apache-2.0", "MPL-2.0": "MPL-2.0", "GPL-2+": "GPL-2", "LGPL-2.1+": "LGPL-2.1"}
_CLASSIFIERS = {
    "MIT License": "MIT",
    "BSD License": "BSD-3-Clause",
    "Apache Software License": "Apache-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "ISC License (ISCL)": "ISC",
}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime_closure(roots: list[str]) -> dict[str, md.Distribution]:
    from packaging.requirements import Requirement

    seen: dict[str, md.Distribution] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if _norm(name) in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        seen[_norm(name)] = dist
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker and not req.marker.evaluate({"extra": ""}):
                continue
            todo.append(req.name)
    return seen


def _license_id(dist: md.Distribution) -> str:
    expr = (dist.metadata.get("License-Expression") or "").strip()
    if expr and re.fullmatch(r"[A-Za-z0-9.+-]+( (OR|AND) [A-Za-z0-9.+-]+)*", expr):
        return expr.split(" OR ")[0]  # dual-licensed: we take the first
    lic = (dist.metadata.get("License") or "").strip()
    if lic and re.fullmatch(r"[A-Za-z0-9.+-]+", lic):
        return lic
    for c in dist.metadata.get_all("Classifier") or []:
        if c.startswith("License :: OSI Approved :: ") and c.split(" :: ")[-1] in _CLASSIFIERS:
            return _CLASSIFIERS[c.split(" :: ")[-1]]
    return "other"


def _license_text(dist: md.Distribution) -> str:
    files = [
        f for f in dist.files or [] if re.search(r"(LICEN[CS]E|COPYING)[^/]*$", str(f), re.I) and "dist-info" in str(f)
    ]
    texts = []
    for f in sorted(files, key=lambda f: (len(str(f)), str(f))):
        with contextlib.suppress(OSError):
            texts.append(Path(dist.locate_file(f)).read_text(encoding="utf-8", errors="replace").strip())
    return "\n\n".join(texts)


_FULL_TEXTS = [  # (phrase in the full text, its heading, the file in /usr/share/common-licenses)
    ("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION", "Apache License", "Apache-2.0"),
    ("TERMS AND CONDITIONS FOR COPYING, DISTRIBUTION AND MODIFICATION", "Version 2, June 1991", "GPL-2"),
]


def _refer_to_common_licenses(text: str) -> str:
    """A full copy of a license Debian ships in /usr/share/common-licenses becomes a reference
    (lintian: copyright-file-contains-full-*-license); what comes before it (notices, exceptions) stays."""
    for phrase, heading, name in _FULL_TEXTS:
        at = text.find(phrase)
        if at < 0:
            continue
        start = text.rfind(heading, 0, at)
        start = text.rfind("\n", 0, start if start >= 0 else at) + 1
        if heading.startswith("Version"):  # the title is on the line before
            start = text.rfind("\n", 0, max(start - 1, 0)) + 1
        text = (
            text[:start].rstrip() + f"\n\nThe full text of the {name} license is in "
            f"/usr/share/common-licenses/{name} on Debian systems."
        )
    return text


def _notices(text: str, fallback: str) -> list[str]:
    found = []
    for line in text.splitlines():
        m = re.match(r"\s*(?:\(c\)\s*|©\s*)?Copyright\b\s*(?:\(c\)|©)?\s*(.+)", line, re.I)
        if not m or len(line) > 160 or "[" in line:  # "[yyyy] [name of copyright owner]": a template
            continue
        holder = re.sub(r"\s+", " ", m.group(1).strip().rstrip("."))
        if re.match(r"(license|notice|owner|holder|statement|and |the above|of |to |laws)", holder, re.I):
            continue  # a sentence of the license text, not a notice
        found.append(holder.replace("<copyright holders>", fallback))  # jaraco's template
    return sorted(set(found)) or [fallback]


def _field(text: str) -> str:
    """A multi-line DEP-5 field value: continuation lines indented, blank lines as ' .'."""
    lines = text.strip("\n").splitlines()
    return "\n".join(" " + (line.rstrip() if line.strip() else ".") for line in lines)


def copyright_file(internal: Path) -> str:
    import platform

    year = __import__("time").gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", "0"))).tm_year
    own_license = (ROOT / "LICENSE").read_text() if (ROOT / "LICENSE").exists() else MIT_TEXT
    dists = _runtime_closure(["xconn", "keyrings.alt"])
    dists.pop("xconn", None)
    components, licenses, notices = [], {"MIT": own_license}, [f"{year} xconn maintainers"]
    for key in sorted(dists):
        dist = dists[key]
        lid = _license_id(dist)
        text = _license_text(dist)
        name = dist.metadata["Name"]
        short = lid if lid in COMMON else f"{lid}~{_norm(name)}"
        if short not in COMMON:
            licenses[short] = text or f"See the {name} project for its license terms."
        else:
            licenses.setdefault(short, "")
        components.append(f"{name} {dist.version}: {lid}")
        notices += [f"{n} ({name})" for n in _notices(text, f"the {name} authors")]
    # PyInstaller's bootloader (the two executables): GPL-2+ with an exception for what it runs
    try:
        pyi = md.distribution("pyinstaller")
        licenses["GPL-2+-with-bootloader-exception"] = _license_text(pyi)
        notices.append("2005-2026 PyInstaller Development Team (bootloader)")
    except md.PackageNotFoundError:
        pass
    python = f"Python {platform.python_version()}"
    psf = Path(sys.base_prefix, "lib", f"python{sys.version_info.major}.{sys.version_info.minor}", "LICENSE.txt")
    licenses["PSF-2.0"] = (
        psf.read_text(errors="replace") if psf.exists() else "See https://docs.python.org/3/license.html"
    )
    notices.append("2001-2024 Python Software Foundation (the standard library)")
    tcl = Path("/usr/share/doc/libtcl8.6/copyright")
    tcl_text = tcl.read_text(errors="replace") if tcl.exists() else ""
    start = tcl_text.find("This software is copyrighted")
    licenses["TCL"] = tcl_text[start:].strip() if start >= 0 else "See https://www.tcl.tk/software/tcltk/license.html"
    notices.append(
        "1987-1994 The Regents of the University of California, 1994-2000 Sun Microsystems, "
        "1998-2000 Scriptics Corporation and others (Tcl/Tk scripts)"
    )

    first = ["MIT", "GPL-2+-with-bootloader-exception", "PSF-2.0", "TCL"]
    bundle_license = " and ".join([*first, *sorted(s for s in licenses if s not in first)])
    out = [
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
        "Upstream-Name: xconn",
        f"Upstream-Contact: {MAINTAINER}",
        f"Source: {HOMEPAGE}",
        "",
        "Files: *",
        f"Copyright: {year} xconn maintainers",
        "License: MIT",
        "",
        f"Files: {PREFIX}/*",
        "Copyright: " + _field("\n".join(sorted(set(notices), key=str.lower))).lstrip(),
        f"License: {bundle_license}",
        "Comment: The program frozen with PyInstaller: its bootloader (the executables),",
        _field(f"{python}'s standard library, Tcl/Tk's scripts, and these Python packages:\n" + "\n".join(components)),
        "",
    ]
    for short in ["MIT", *sorted(k for k in licenses if k != "MIT")]:
        if short in COMMON:
            out += [
                f"License: {short}",
                _field(f"On Debian systems the full text is in /usr/share/common-licenses/{COMMON[short]}."),
                "",
            ]
        else:
            out += [f"License: {short}", _field(_refer_to_common_licenses(licenses[short])), ""]
    return "\n".join(out)


MIT_TEXT = """Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE."""


# -- staging ---------------------------------------------------------------------------------------
def gz(data: bytes, dest: Path) -> None:
    """gzip -9n: no name, no timestamp (reproducible)."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as f:
        f.write(data)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(buf.getvalue())


def install(src: Path, dest: Path, mode: int = 0o644) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    dest.chmod(mode)


def normalize_modes(tree: Path) -> None:
    """Folders 0755; executables (the two programs, scripts) 0755; everything else (shared
    libraries included: lintian's shared-library-is-executable) 0644."""
    for p in [tree, *tree.rglob("*")]:
        if p.is_symlink():
            continue
        if p.is_dir():
            p.chmod(0o755)
            continue
        head = p.read_bytes()[:20]
        exe = head[:2] == b"#!" or (head[:4] == b"\x7fELF" and head[16] == 2)  # ET_EXEC
        if head[:4] == b"\x7fELF" and head[16] == 3:  # ET_DYN: a PIE program or a shared library
            exe = ".so" not in p.name
        p.chmod(0o755 if exe else 0o644)


def stage_files(stage: Path, app: Path, version: str) -> dict[str, tuple[Path, str]]:
    lib = stage / PREFIX
    shutil.copytree(app, lib, symlinks=True)
    dropped = unbundle(lib / "_internal")
    normalize_modes(lib)
    bindir = stage / "usr/bin"
    bindir.mkdir(parents=True)
    for exe in ("xconn", "xconn-cli"):
        (bindir / exe).symlink_to(f"../lib/xconn/{exe}")
    install(HERE / "keepalive-autostart", lib / "keepalive-autostart", 0o755)

    share = stage / "usr/share"
    install(HERE / "xconn.desktop", share / "applications/xconn.desktop")
    install(ROOT / "xconn_app/assets/xconn.png", share / "icons/hicolor/256x256/apps/xconn.png")
    install(ROOT / "xconn_app/assets/xconn-64.png", share / "icons/hicolor/64x64/apps/xconn.png")
    for unit in ("xconn-keepalive.service", "xconn-keepalive.timer"):
        install(HERE / unit, stage / "usr/lib/systemd/user" / unit)
    install(HERE / "xconn-keepalive.desktop", stage / "etc/xdg/autostart/xconn-keepalive.desktop")
    install(HERE / "xconn.lintian-overrides", share / "lintian/overrides/xconn")

    pages = stage.parent / "man"
    subprocess.run([sys.executable, str(ROOT / "build" / "manpage.py"), str(pages)], check=True)
    for page in ("xconn.1", "xconn-cli.1"):
        gz((pages / page).read_bytes(), share / "man/man1" / f"{page}.gz")
    doc = share / "doc/xconn"
    gz((HERE / "changelog").read_bytes(), doc / "changelog.gz")
    doc.mkdir(parents=True, exist_ok=True)
    (doc / "copyright").write_text(copyright_file(lib / "_internal"), encoding="utf-8")
    for p in share.rglob("*"):
        if p.is_file():
            p.chmod(0o644)
    return dropped


def control(stage: Path, version: str, deps: list[str]) -> str:
    arch = run(["dpkg", "--print-architecture"]).strip()
    size = sum(p.lstat().st_size for p in stage.rglob("*") if not p.is_dir()) // 1024 + sum(
        1 for p in stage.rglob("*") if p.is_dir()
    )
    return (
        f"Package: {PACKAGE}\nVersion: {version}\nArchitecture: {arch}\nMaintainer: {MAINTAINER}\n"
        f"Installed-Size: {size}\nDepends: {', '.join(deps)}\nRecommends: {', '.join(RECOMMENDS)}\n"
        f"Suggests: {', '.join(SUGGESTS)}\nSection: utils\nPriority: optional\nHomepage: {HOMEPAGE}\n"
        "Description: Xero OAuth 2.0 connections for document-capture profiles\n"
        " xconn authorizes Xero connections (OAuth 2.0 with PKCE), keeps their tokens in\n"
        " the desktop keyring, refreshes them daily, and hands valid access tokens to\n"
        " the capture profiles that use them.\n"
        " .\n"
        " One machine-wide list of connections in /var/lib/xconn: changed by list\n"
        " administrators (the group xconn), used by every user of the computer.\n"
        " Window: xconn. Command line: xconn-cli.\n"
    )


def md5sums(stage: Path) -> str:
    lines = []
    for p in sorted(stage.rglob("*")):
        rel = p.relative_to(stage)
        if p.is_file() and not p.is_symlink() and rel.parts[0] != "DEBIAN" and rel.parts[0] != "etc":
            lines.append(f"{hashlib.md5(p.read_bytes()).hexdigest()}  {rel.as_posix()}")
    return "\n".join(lines) + "\n"


def clamp_mtimes(tree: Path, epoch: int) -> None:
    for p in [*tree.rglob("*"), tree]:
        os.utime(p, (epoch, epoch), follow_symlinks=False)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--app", required=True, type=Path, help="the onedir build (dist/onedir/xconn)")
    ap.add_argument("--work", required=True, type=Path, help="a scratch folder (emptied)")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--version", required=True)
    args = ap.parse_args(argv)
    epoch = int(os.environ["SOURCE_DATE_EPOCH"])
    os.umask(0o022)

    check_versions(args.app, args.version)
    shutil.rmtree(args.work, ignore_errors=True)
    stage = args.work / "debian" / PACKAGE
    stage.mkdir(parents=True)
    dropped = stage_files(stage, args.app, args.version)
    deps = depends(stage, args.work, dropped)

    debian = stage / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text(control(stage, args.version, deps))
    (debian / "conffiles").write_text("/etc/xdg/autostart/xconn-keepalive.desktop\n")
    for script in ("postinst", "prerm", "postrm"):
        install(HERE / script, debian / script, 0o755)
    (debian / "md5sums").write_text(md5sums(stage))
    for p in debian.iterdir():
        if p.name not in ("postinst", "prerm", "postrm"):
            p.chmod(0o644)
    clamp_mtimes(stage, epoch)

    args.out.mkdir(parents=True, exist_ok=True)
    arch = run(["dpkg", "--print-architecture"]).strip()
    deb = args.out / f"{PACKAGE}_{args.version}_{arch}.deb"
    # gzip: the ELF files compress about as well either way and xz takes several times longer
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(stage), str(deb)],
        check=True,
        stdout=subprocess.DEVNULL,
        env=dict(os.environ, SOURCE_DATE_EPOCH=str(epoch)),
    )
    field = run(["dpkg-deb", "-f", deb, "Version"]).strip()
    if field != args.version:
        fail(f"{deb} says Version {field}, not {args.version}")
    print(f"unbundled (the system's): {', '.join(sorted(dropped))}", file=sys.stderr)
    print(f"Depends: {', '.join(deps)}", file=sys.stderr)
    print(deb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
