"""Manual pages for xconn(1) and xconn-cli(1), generated from the argument parser.

    python build/manpage.py OUTDIR        writes OUTDIR/xconn.1 and OUTDIR/xconn-cli.1

Everything about the commands comes from `xconn_app.cli.build_parser()` (usage lines, options,
help texts) and the exit codes from the cli module's docstring, so a new command or option is in
the next package's manual without anyone editing it. The date is SOURCE_DATE_EPOCH's (reproducible).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PAGES = {
    "xconn": (
        "Xero connections for document-capture profiles",
        "Without a command, \\fBxconn\\fR opens the window. With a command it is the command line, "
        "the same as \\fBxconn\\-cli\\fR (which is meant for scripts and scheduled jobs: it always "
        "keeps its terminal output).",
    ),
    "xconn-cli": (
        "Xero connections for document-capture profiles, command line",
        "\\fBxconn\\-cli\\fR is the command line of \\fBxconn\\fR(1): the same commands, for terminals, "
        "scripts and the daily keep-alive job. Without a command it prints its usage.",
    ),
}

ENVIRONMENT = [
    ("XCONN_CONFIG_DIR", "Folder of the connection list, instead of the machine-wide one (\\-\\-config\\-dir wins)."),
    (
        "PYTHON_KEYRING_BACKEND",
        "The password store to keep tokens in, for computers without a desktop one, "
        "e.g. keyrings.alt.file.PlaintextKeyring. Without it xconn uses the Secret Service of the desktop session.",
    ),
    ("XCONN_LOG_DIR", "Folder of xconn.log, instead of the per-user log folder."),
]

FILES = [
    (
        "/var/lib/xconn/",
        "The machine-wide connection list (connections.json, history.jsonl), no secrets. "
        "Changed by list administrators (root and the group \\fBxconn\\fR), read by everyone; "
        "set up by \\fBxconn\\-cli setup\\-machine\\fR.",
    ),
    (
        "/usr/lib/systemd/user/xconn\\-keepalive.timer",
        "The daily keep-alive of each user "
        "(\\fBxconn\\-cli refresh \\-\\-all\\fR in that user's session, where the user's tokens are).",
    ),
    ("/etc/xdg/autostart/xconn\\-keepalive.desktop", "The same at login, for sessions without a systemd user manager."),
]


def esc(text: str) -> str:
    """roff-escape running text: backslashes, hyphens (as \\-: options must copy and paste)."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + line) if line[:1] in (".", "'") else line for line in text.split("\n"))


def _usage(parser: argparse.ArgumentParser) -> str:
    usage = parser.format_usage().strip()
    usage = re.sub(r"^usage:\s*", "", usage)
    return re.sub(r"\s+", " ", usage)


def _option_lines(parser: argparse.ArgumentParser) -> list[str]:
    out = []
    for action in parser._actions:
        if isinstance(action, (argparse._SubParsersAction, argparse._HelpAction)) or action.help == argparse.SUPPRESS:
            continue
        if action.option_strings:
            metavar = action.metavar or (action.dest.upper() if action.nargs != 0 else None)
            if action.choices and not action.metavar:
                metavar = "{" + ",".join(action.choices) + "}"
            names = ", ".join(f"\\fB{esc(o)}\\fR" for o in action.option_strings)
            if metavar and action.nargs != 0:
                names += f" \\fI{esc(str(metavar))}\\fR"
        else:
            names = f"\\fI{esc(str(action.metavar or action.dest))}\\fR"
        help_ = action.help or ""
        if (
            action.default not in (None, False, argparse.SUPPRESS)
            and action.option_strings
            and action.nargs != 0
            and "%(default)" not in help_
            and "default" not in help_
        ):
            help_ = f"{help_} (default: {action.default})".strip()
        help_ = help_ % {"default": action.default, "prog": parser.prog} if "%(" in help_ else help_
        out += [".TP", names, esc(help_[:1].upper() + help_[1:]) if help_ else ""]
    return [line for line in out]


def _subcommands(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield name, sub, helps.get(name) or sub.description or ""


def _exit_codes() -> list[tuple[str, str]]:
    """From the cli module's docstring ("Exit codes ...: 0 ok, 1 error, ..."); every value of
    core.errors.ExitCode is listed, with its name when the docstring does not say it."""
    import xconn_app.cli as cli

    found = re.search(r"Exit codes[^:]*:\s*(.+?)\.(?:\s|$)", cli.__doc__ or "", re.S)
    text = re.sub(r"\s+", " ", found.group(1)) if found else ""
    codes = {m.group(1): m.group(2).strip() for m in re.finditer(r"(\d+)\s+([^,]+)", text)}
    try:
        from xconn_app.core.errors import ExitCode

        for member in ExitCode:
            codes.setdefault(str(int(member)), member.name.replace("_", " ").lower())
    except ImportError:
        pass
    return sorted(codes.items(), key=lambda kv: int(kv[0]))


def render(name: str, version: str, date: str) -> str:
    from xconn_app.cli import build_parser

    parser = build_parser()
    parser.prog = name
    summary, description = PAGES[name]
    title = name.upper().replace("-", "\\-")
    lines = [
        '.\\" Generated by build/manpage.py from xconn_app.cli.build_parser(); do not edit.',
        f'.TH {title} 1 "{date}" "xconn {version}" "User Commands"',
        ".ad l",
        ".nh",  # left-aligned, no hyphenation: options and commands copy and paste as they are
        ".SH NAME",
        f"{esc(name)} \\- {esc(summary)}",
        ".SH SYNOPSIS",
    ]
    if name == "xconn":
        lines += [".B xconn", ".br"]
    lines += [
        f".B {esc(name)}",
        "[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGUMENTS\\fR]",
        ".SH DESCRIPTION",
        description,
        ".PP",
        esc(parser.description or ""),
        ".SH OPTIONS",
        *_option_lines(parser),
        ".TP",
        "\\fB\\-h\\fR, \\fB\\-\\-help\\fR",
        "Show the usage and exit.",
    ]
    lines.append(".SH COMMANDS")
    for cmd, sub, help_ in _subcommands(parser):
        sub.prog = f"{name} {cmd}"
        lines += [f".SS {esc(cmd)}", esc(help_[:1].upper() + help_[1:]) + ".", ".PP", f"\\fB{esc(_usage(sub))}\\fR"]
        opts = _option_lines(sub)
        if opts:
            lines += [".RS", *opts, ".RE"]
        for action_name, action_parser, action_help in _subcommands(sub):
            action_parser.prog = f"{name} {cmd} {action_name}"
            help_text = esc(action_help[:1].upper() + action_help[1:]) + "."
            lines += [".TP", f"\\fB{esc(_usage(action_parser))}\\fR", help_text]
    lines.append(".SH EXIT STATUS")
    for code, meaning in _exit_codes():
        lines += [".TP", f"\\fB{code}\\fR", esc(meaning[:1].upper() + meaning[1:]) + "."]
    lines.append(".SH ENVIRONMENT")
    for var, text in ENVIRONMENT:
        lines += [".TP", f"\\fB{var}\\fR", text]
    lines.append(".SH FILES")
    for path, text in FILES:
        lines += [".TP", f"\\fI{path}\\fR", text]
    other = "xconn-cli" if name == "xconn" else "xconn"
    lines += [
        ".SH SEE ALSO",
        f"\\fB{esc(other)}\\fR(1), \\fBsystemctl\\fR(1) (\\fBsystemctl \\-\\-user status xconn\\-keepalive.timer\\fR)",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "build"))
    from version import project_version

    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or time.time())
    date = time.strftime("%Y-%m-%d", time.gmtime(epoch))
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    for name in PAGES:
        (out / f"{name}.1").write_text(render(name, project_version(), date), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
