"""Bad input (issue 13, defects 8, 9 and the ``extends`` half of 10): a corpus.

Every case is a command line and the files it reads, written into a fresh folder that
is the current directory while it runs. Each asserts the exit status (2 for bad input),
that no traceback is shown, and that the message names the file and the key (or the
option) where one applies; some also assert what must *not* be shown (a non-scenario
file's content) or what must be left as it was.

Most cases run through click's CliRunner (the same process: fast, and faithful for
messages and exit codes, which ``report_errors`` sets with ``sys.exit``); the cases of a
real process (real exit status, real stderr, a resource limit, a FIFO that must not
block) run through ``python -m drawdown.cli.main``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import drawdown
import pytest
from cli_helpers import make_runner
from drawdown.batch import load_spec, parse_spec
from drawdown.cli.main import main
from drawdown.errors import DrawdownError, ScenarioError
from drawdown.scenario.sources import MAX_CHAIN, MAX_DEPTH, find_referenced, parse_toml, read_text_file
from scenario_text import MINIMAL

ROOT = Path(__file__).resolve().parent.parent
BOM = b"\xef\xbb\xbf"
SECRET = "s3cr3t-token-value"

# A sweep of the minimal scenario: two points of a few replications (fast).
SPEC_HEAD = 'base = "min.toml"\nseed = 1\nreplications = 4\ndesign = "grid"\n'
SPEC_FACTORS = "[factors.horizon_days]\nvalues = [100, 120]\n"
SPEC = SPEC_HEAD + SPEC_FACTORS


def spec(extra: str = "", factors: str = SPEC_FACTORS, head: str = SPEC_HEAD) -> str:
    """A sweep spec with ``extra`` top-level keys (before the factor tables)."""
    return head + extra + ("\n" if extra else "") + factors


def deep_array(n: int = 3000) -> str:
    return "a = " + "[" * n + "]" * n + "\n"


def deep_inline(n: int = 3000) -> str:
    return "x = " + "{a = " * n + "1" + "}" * n + "\n"


def chain(n: int) -> dict[str, str]:
    """Files c0.toml -> c1.toml -> ... -> c{n-1}.toml (the last is the minimal scenario)."""
    files = {f"c{i}.toml": f'extends = "c{i + 1}"\n' for i in range(n - 1)}
    files[f"c{n - 1}.toml"] = MINIMAL
    return files


# -- special files ------------------------------------------------------------------------------
def fifo(path: Path) -> None:
    os.mkfifo(path)


def dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def directory(path: Path) -> None:
    path.mkdir()


def unreadable(path: Path) -> None:
    path.write_text(MINIMAL)
    path.chmod(0)


def big(path: Path) -> None:
    with open(path, "w") as f:
        f.write(MINIMAL)
        line = "# " + "x" * 1021 + "\n"
        for _ in range(4 * 1024 + 1):
            f.write(line)


FileSpec = str | bytes | Callable[[Path], None]
POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")
NOT_ROOT = pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")


@dataclass
class Case:
    """One bad input: a command line, its files, and what the command must answer."""

    id: str
    argv: list[str]
    files: dict[str, FileSpec] = field(default_factory=dict)
    code: int = 2
    names: tuple[str, ...] = ()  # each must be in the output (the file, the key, the option)
    absent: tuple[str, ...] = ()  # none may be in the output
    marks: tuple = ()
    process: bool = False  # run as a real process
    memory: int | None = None  # with this limit on its address space (bytes)
    unchanged: dict[str, bytes] = field(default_factory=dict)  # files that must be left as they were


MIN = {"min.toml": MINIMAL}
NOT_FOUND_TABLE = "found a table"  # the old message of a missing table

CASES: list[Case] = [
    # -- TOML the parser cannot take: deep nesting, long integers (defect 8) -----------------
    Case("deep-array", ["validate", "deep.toml"], {"deep.toml": deep_array()}, names=("deep.toml", "nested")),
    Case("deep-inline-table", ["validate", "deep.toml"], {"deep.toml": deep_inline()}, names=("deep.toml", "nested")),
    Case(
        "deep-dotted-key",
        ["validate", "deep.toml"],
        {"deep.toml": "a" + ".a" * 3000 + " = 1\n"},
        names=("deep.toml: a: nested more than",),
    ),
    Case(
        "deep-table-header",
        ["validate", "deep.toml"],
        {"deep.toml": MINIMAL + "[threat" + ".x" * 3000 + "]\n"},
        names=("deep.toml: threat: nested",),
    ),
    Case("deep-show", ["show", "deep.toml"], {"deep.toml": deep_array()}, names=("deep.toml",)),
    Case(
        "deep-run",
        ["run", "deep.toml", "--reps", "2", "--seed", "1"],
        {"deep.toml": deep_array()},
        names=("deep.toml",),
    ),
    Case(
        "deep-compare",
        ["compare", "min.toml", "deep.toml", "--reps", "2", "--seed", "1"],
        {**MIN, "deep.toml": deep_array()},
        names=("deep.toml",),
    ),
    Case("deep-trace", ["trace", "deep.toml", "--seed", "1"], {"deep.toml": deep_inline()}, names=("deep.toml",)),
    Case(
        "deep-extended",
        ["validate", "child.toml"],
        {"child.toml": 'extends = "deep.toml"\n', "deep.toml": MINIMAL + deep_array()},
        names=("deep.toml: not a drawdown scenario (extended by child.toml at key extends)",),
    ),
    Case(
        "deep-sweep-spec",
        ["sweep", "s.toml", "--out", "out"],
        {**MIN, "s.toml": spec(deep_array().strip())},
        names=("s.toml", "nested"),
    ),
    Case(
        "deep-sweep-base",
        ["sweep", "s.toml", "--out", "out"],
        {"deep.toml": deep_array(), "s.toml": spec().replace("min.toml", "deep.toml")},
        names=("deep.toml: not a drawdown scenario (named by s.toml at key base)",),
    ),
    Case(
        "integer-of-5000-digits",
        ["validate", "long.toml"],
        {"long.toml": MINIMAL.replace("horizon_days = 100", "horizon_days = " + "9" * 5000)},
        names=("long.toml", "too many digits"),
    ),
    Case(
        "sweep-integer-of-5000-digits",
        ["sweep", "s.toml", "--out", "out"],
        {**MIN, "s.toml": spec("seed = " + "9" * 5000).replace("seed = 1\n", "")},
        names=("s.toml", "too many digits"),
    ),
    # -- encodings: not UTF-8, byte-order marks (defects 8, 9) ------------------------------------
    Case(
        "scenario-latin-1",
        ["validate", "l1.toml"],
        {"l1.toml": MINIMAL.encode() + b"# caf\xe9\n"},
        names=("l1.toml", "not UTF-8", "line 36"),
    ),
    Case("scenario-binary", ["validate", "bin.toml"], {"bin.toml": bytes(range(256)) * 4}, names=("bin.toml", "UTF-8")),
    Case(
        "scenario-utf16",
        ["validate", "u16.toml"],
        {"u16.toml": MINIMAL.encode("utf-16")},
        names=("u16.toml", "UTF-16 byte-order mark"),
    ),
    Case(
        "scenario-bom-accepted",
        ["validate", "bom.toml"],
        {"bom.toml": BOM + MINIMAL.encode()},
        code=0,
        names=("ok: bom.toml",),
    ),
    Case(
        "extended-bom-accepted",
        ["validate", "child.toml"],
        {"child.toml": BOM + b'extends = "base"\nhorizon_days = 90\n', "base.toml": BOM + MINIMAL.encode()},
        code=0,
        names=("ok: child.toml",),
    ),
    Case(
        "sweep-spec-latin-1",
        ["sweep", "s.toml", "--out", "out"],
        {**MIN, "s.toml": SPEC.encode() + b"# caf\xe9\n"},
        names=("s.toml", "not UTF-8", "line 7"),
    ),
    Case(
        "sweep-spec-binary",
        ["sweep", "s.toml", "--out", "out"],
        {"s.toml": os.urandom(64) + b"\xff"},
        names=("s.toml", "UTF-8"),
    ),
    Case(
        "sweep-spec-utf16",
        ["sweep", "s.toml", "--out", "out"],
        {"s.toml": SPEC.encode("utf-16")},
        names=("s.toml", "UTF-16"),
    ),
    Case(
        "sweep-spec-bom-accepted", ["sweep", "s.toml", "--out", "out"], {**MIN, "s.toml": BOM + SPEC.encode()}, code=0
    ),
    # -- what is missing, what was found (defect 9) ---------------------------------------------
    Case(
        "empty-scenario",
        ["validate", "e.toml"],
        {"e.toml": ""},
        names=(
            "e.toml: start: missing",
            "e.toml: bases: missing: expected a table of bases",
            "e.toml: contingents: missing",
        ),
        absent=(NOT_FOUND_TABLE,),
    ),
    Case(
        "no-bases-table",
        ["validate", "nb.toml"],
        {"nb.toml": MINIMAL.split("[bases.Alpha]")[0]},
        names=("nb.toml: bases: missing: expected a table of bases ([bases.NAME])",),
        absent=(NOT_FOUND_TABLE,),
    ),
    Case(
        "empty-bases-table",
        ["validate", "eb.toml"],
        {"eb.toml": 'start = 2021-01-01\n[bases]\n[contingents."US@Alpha"]\ntroops = 1\n'},
        names=("eb.toml: bases: expected at least one base ([bases.NAME]), found an empty table",),
        absent=(NOT_FOUND_TABLE,),
    ),
    Case(
        "empty-contingents-table",
        ["validate", "ec.toml"],
        {"ec.toml": MINIMAL.split('[contingents."US@Alpha"]')[0] + "[contingents]\n"},
        names=("ec.toml: contingents: expected at least one contingent", "found an empty table"),
    ),
    Case(
        "bases-a-string",
        ["validate", "bs.toml"],
        {"bs.toml": "start = 2021-01-01\nbases = 'x'\ncontingents = 5\n"},
        names=("bs.toml: bases: expected a table of bases", "found the string 'x'", "found the integer 5"),
    ),
    Case(
        "sweep-base-not-found",
        ["sweep", "s.toml", "--out", "out"],
        {"s.toml": spec().replace('"min.toml"', '"no-such-base"')},
        names=("s.toml: base: scenario 'no-such-base' not found",),
    ),
    Case(
        "sweep-base-path-not-found",
        ["sweep", "s.toml", "--out", "out"],
        {"s.toml": spec().replace('"min.toml"', '"sub/none.toml"')},
        names=("s.toml: base: scenario 'sub/none.toml' not found",),
    ),
    Case(
        "sweep-base-a-directory",
        ["sweep", "s.toml", "--out", "out"],
        {"d.toml": directory, "s.toml": spec().replace("min.toml", "d.toml")},
        names=("s.toml: base:", "is a directory"),
    ),
    Case(
        "sweep-base-not-toml",
        ["sweep", "s.toml", "--out", "out"],
        {"s.toml": spec().replace('"min.toml"', '"/etc/passwd"')},
        names=("s.toml: base: expected a scenario name or a path to a .toml file",),
        absent=("root:",),
    ),
    Case(
        "sweep-base-is-the-spec",
        ["sweep", "s.toml", "--out", "out"],
        {"s.toml": spec().replace("min.toml", "s.toml")},
        names=("s.toml: not a drawdown scenario (named by s.toml at key base)",),
        absent=("replications", "factors"),
    ),
    Case(
        "sweep-base-not-a-string",
        ["sweep", "s.toml", "--out", "out"],
        {"s.toml": spec().replace('"min.toml"', "5")},
        names=("s.toml: base: expected a scenario name or path",),
    ),
    Case(
        "sweep-description-not-a-string",
        ["sweep", "s.toml", "--out", "out"],
        {**MIN, "s.toml": spec("description = 5")},
        names=("s.toml: description: expected a string, found 5",),
    ),
    Case(
        "sweep-spec-empty",
        ["sweep", "s.toml", "--out", "out"],
        {"s.toml": ""},
        names=("s.toml: base: missing", "s.toml: seed: missing", "s.toml: factors"),
    ),
    Case(
        "sweep-spec-unknown-name",
        ["sweep", "no-such-spec", "--out", "out"],
        names=("no-such-spec", "no such sweep spec"),
    ),
    # -- files that are not files ------------------------------------------------------------------
    Case("scenario-a-directory", ["validate", "d.toml"], {"d.toml": directory}, names=("d.toml: is a directory",)),
    Case(
        "scenario-dev-zero",
        ["validate", "z.toml"],
        {"z.toml": dev_zero},
        names=("z.toml", "not a regular file"),
        marks=(POSIX,),
    ),
    Case("scenario-fifo", ["show", "f.toml"], {"f.toml": fifo}, names=("f.toml", "not a regular file"), marks=(POSIX,)),
    Case(
        "scenario-unreadable",
        ["validate", "u.toml"],
        {"u.toml": unreadable},
        names=("u.toml", "cannot read", "Permission denied"),
        marks=(POSIX, NOT_ROOT),
    ),
    Case("scenario-too-big", ["validate", "big.toml"], {"big.toml": big}, names=("big.toml", "larger than 4 MiB")),
    Case("scenario-name-too-long", ["show", "a" * 300], names=("a" * 300,)),
    Case("scenario-path-too-long", ["validate", "a" * 300 + ".toml"], names=("a" * 300,)),
    Case("scenario-empty-name", ["validate", ""], names=("empty string",)),
    Case(
        "scenario-unknown-name",
        ["run", "no-such-scenario", "--reps", "2"],
        names=("no-such-scenario", "no such scenario"),
    ),
    Case(
        "scenario-unknown-user-home",
        ["validate", "~no-such-user-drawdown/x.toml"],
        names=("~no-such-user-drawdown/x.toml",),
    ),
    Case(
        "sweep-spec-fifo",
        ["sweep", "f.toml", "--out", "out"],
        {"f.toml": fifo},
        names=("f.toml", "not a regular file"),
        marks=(POSIX,),
    ),
    Case(
        "sweep-spec-dev-zero",
        ["sweep", "z.toml", "--out", "out"],
        {"z.toml": dev_zero},
        names=("z.toml", "not a regular file"),
        marks=(POSIX,),
    ),
    Case(
        "sweep-spec-a-directory",
        ["sweep", "d.toml", "--out", "out"],
        {"d.toml": directory},
        names=("d.toml: is a directory",),
    ),
    Case(
        "sweep-spec-too-big",
        ["sweep", "big.toml", "--out", "out"],
        {"big.toml": big},
        names=("big.toml", "larger than"),
    ),
    # -- values ---------------------------------------------------------------------------------
    Case(
        "nan",
        ["validate", "n.toml"],
        {"n.toml": MINIMAL.replace("attack_rate_before = 0.1", "attack_rate_before = nan")},
        names=("n.toml: threat.attack_rate_before: expected a finite number",),
    ),
    Case(
        "inf",
        ["validate", "n.toml"],
        {"n.toml": MINIMAL.replace("attack_rate_after = 1.0", "attack_rate_after = -inf")},
        names=("n.toml: threat.attack_rate_after: expected a finite number",),
    ),
    Case(
        "huge-exponent",
        ["validate", "h.toml"],
        {"h.toml": MINIMAL.replace("attack_rate_before = 0.1", "attack_rate_before = 1e999999")},
        names=("h.toml: threat.attack_rate_before: out of range",),
    ),
    Case(
        "huge-integer",
        ["validate", "h.toml"],
        {"h.toml": MINIMAL.replace("horizon_days = 100", "horizon_days = 99999999999999999999")},
        names=("h.toml: horizon_days: out of range",),
    ),
    Case(
        "negative-count",
        ["validate", "neg.toml"],
        {"neg.toml": MINIMAL.replace("seats_per_day = 50", "seats_per_day = -5")},
        names=("neg.toml: bases.Alpha.seats_per_day: out of range: found -5",),
    ),
    Case(
        "wrong-type",
        ["validate", "w.toml"],
        {"w.toml": MINIMAL.replace("troops = 100", 'troops = "many"')},
        names=('w.toml: contingents."US@Alpha".troops: expected an integer, found the string',),
    ),
    Case(
        "date-with-time",
        ["validate", "t.toml"],
        {"t.toml": MINIMAL.replace("start = 2021-01-01", "start = 2021-01-01T10:00:00")},
        names=("t.toml: start: expected a date without a time",),
    ),
    Case(
        "impossible-date",
        ["validate", "t.toml"],
        {"t.toml": MINIMAL.replace("start = 2021-01-01", "start = 2021-02-30")},
        names=("t.toml: malformed TOML", "line 3"),
    ),
    Case(
        "duplicate-key",
        ["validate", "dup.toml"],
        {"dup.toml": MINIMAL.replace("horizon_days = 100", "horizon_days = 100\nhorizon_days = 200")},
        names=("dup.toml: malformed TOML", "line 5"),
    ),
    Case(
        "duplicate-table",
        ["validate", "dup.toml"],
        {"dup.toml": MINIMAL + "[bases.Alpha]\nseats_per_day = 5\n"},
        names=("dup.toml: malformed TOML", "Cannot declare"),
    ),
    Case(
        "unknown-key-suggestion",
        ["validate", "k.toml"],
        {"k.toml": MINIMAL.replace("horizon_days = 100", "horizon_dayz = 100")},
        names=("k.toml: horizon_dayz: unknown key; did you mean 'horizon_days'?",),
    ),
    Case(
        "sweep-seed-negative",
        ["sweep", "s.toml", "--out", "out"],
        {**MIN, "s.toml": SPEC.replace("seed = 1", "seed = -1")},
        names=("s.toml: seed:",),
    ),
    Case(
        "sweep-seed-not-an-integer",
        ["sweep", "s.toml", "--out", "out"],
        {**MIN, "s.toml": SPEC.replace("seed = 1", "seed = 1.5")},
        names=("s.toml: seed:",),
    ),
    Case(
        "sweep-value-nan",
        ["sweep", "s.toml", "--out", "out"],
        {**MIN, "s.toml": spec(factors="[factors.'threat.attack_rate_after']\nvalues = [nan]\n")},
        names=("s.toml: factors.'threat.attack_rate_after'.values[0]",),
    ),
    # -- extends: chains, cycles, and files that are not scenarios (defect 10) -------------------
    Case(
        "extends-cycle",
        ["validate", "a.toml"],
        {"a.toml": 'extends = "b"\n', "b.toml": 'extends = "a"\n' + MINIMAL},
        names=("extends: extends cycle: a.toml -> b.toml -> a.toml",),
    ),
    Case(
        "extends-itself",
        ["validate", "s.toml"],
        {"s.toml": 'extends = "s"\n' + MINIMAL},
        names=("s.toml: extends: extends cycle",),
    ),
    Case("extends-chain-ok", ["validate", "c0.toml"], chain(MAX_CHAIN), code=0),
    Case(
        "extends-chain-too-long",
        ["validate", "c0.toml"],
        chain(MAX_CHAIN + 6),
        names=(f"c{MAX_CHAIN - 1}.toml: extends: extends chain longer than {MAX_CHAIN} files",),
    ),
    Case(
        "extends-missing",
        ["validate", "c.toml"],
        {"c.toml": 'extends = "nope"\n' + MINIMAL},
        names=("c.toml: extends: scenario 'nope' not found",),
    ),
    Case(
        "extends-not-a-string",
        ["validate", "c.toml"],
        {"c.toml": "extends = 5\n" + MINIMAL},
        names=("c.toml: extends: expected a scenario name or path (string), found 5",),
    ),
    Case(
        "extends-empty",
        ["validate", "c.toml"],
        {"c.toml": 'extends = ""\n'},
        names=("c.toml: extends:", "empty string"),
    ),
    Case(
        "extends-not-toml",
        ["validate", "c.toml"],
        {"c.toml": 'extends = "/etc/passwd"\n'},
        names=("c.toml: extends: expected a scenario name or a path to a .toml file, found '/etc/passwd'",),
        absent=("root:", "Invalid statement"),
    ),
    Case(
        "extends-a-directory",
        ["validate", "c.toml"],
        {"c.toml": 'extends = "d.toml"\n', "d.toml": directory},
        names=("c.toml: extends:", "is a directory"),
    ),
    Case(
        "extends-dev-zero",
        ["validate", "c.toml"],
        {"c.toml": 'extends = "z.toml"\n', "z.toml": dev_zero},
        names=("c.toml: extends:", "not a regular file"),
        marks=(POSIX,),
    ),
    Case(
        "extends-unknown-user-home",
        ["validate", "c.toml"],
        {"c.toml": 'extends = "~no-such-user-drawdown/x.toml"\n'},
        names=("c.toml: extends: scenario '~no-such-user-drawdown/x.toml' not found",),
    ),
    Case(
        "extends-name-too-long",
        ["validate", "c.toml"],
        {"c.toml": f'extends = "{"a" * 300}"\n'},
        names=("c.toml: extends:", "too long"),
    ),
    Case(
        "extends-a-settings-file",
        ["validate", "c.toml"],
        {"c.toml": 'extends = "settings.toml"\n', "settings.toml": f'[credentials]\ntoken = "{SECRET}"\n'},
        names=("settings.toml: not a drawdown scenario (extended by c.toml at key extends)",),
        absent=(SECRET, "credentials", "token"),
    ),
    Case(
        "extends-a-project-file",
        ["show", "c.toml"],
        {
            "c.toml": 'extends = "pyproject.toml"\n',
            "pyproject.toml": f'[project]\nname = "{SECRET}"\ndescription = "x"\n',
        },
        names=("pyproject.toml: not a drawdown scenario (extended by c.toml at key extends)",),
        absent=(SECRET, "project:", "name"),
    ),
    Case(
        "extends-prose-only-file",
        ["validate", "c.toml"],
        {"c.toml": 'extends = "notes.toml"\n', "notes.toml": f'description = "{SECRET}"\npassword = "{SECRET}"\n'},
        names=("notes.toml: not a drawdown scenario",),
        absent=(SECRET, "password"),
    ),
    Case(
        "extends-an-empty-file",
        ["validate", "c.toml"],
        {"c.toml": 'extends = "e.toml"\n' + MINIMAL, "e.toml": ""},
        names=("e.toml: not a drawdown scenario (extended by c.toml at key extends)",),
    ),
    Case(
        "extends-malformed-toml",
        ["validate", "c.toml"],
        {"c.toml": 'extends = "bad.toml"\n', "bad.toml": f"[{SECRET}]\n[{SECRET}]\n"},
        names=("bad.toml: not a drawdown scenario (extended by c.toml at key extends): not valid TOML at line 2",),
        absent=(SECRET,),
    ),
    Case(
        "extends-not-utf8",
        ["validate", "c.toml"],
        {"c.toml": 'extends = "l1.toml"\n', "l1.toml": MINIMAL.encode() + b"# caf\xe9\n"},
        names=("l1.toml", "not UTF-8"),
    ),
    Case(
        "extends-a-scenario-keeps-its-errors",
        ["validate", "c.toml"],
        {"c.toml": 'extends = "base"\n', "base.toml": MINIMAL.replace("horizon_days = 100", "horizon_dayz = 100")},
        names=("base.toml: horizon_dayz: unknown key; did you mean 'horizon_days'?",),
    ),
    # -- options -----------------------------------------------------------------------------------
    Case(
        "scheduler-without-port",
        ["run", "--reps", "10", "--scheduler", "localhost"],
        names=("--scheduler localhost: no port", "tcp://localhost:8786"),
    ),
    Case("scheduler-empty", ["run", "--reps", "10", "--scheduler", ""], names=("--scheduler ''",)),
    Case(
        "scheduler-port-out-of-range",
        ["run", "--reps", "10", "--scheduler", "tcp://h:99999"],
        names=("--scheduler", "99999"),
    ),
    Case(
        "scheduler-port-not-a-number",
        ["run", "--reps", "10", "--scheduler", "tcp://h:abc"],
        names=("--scheduler", "'abc'"),
    ),
    Case(
        "scheduler-unknown-scheme", ["run", "--reps", "10", "--scheduler", "foo://h:1"], names=("--scheduler", "'foo'")
    ),
    Case("scheduler-bad-ipv6", ["run", "--reps", "10", "--scheduler", "[::1"], names=("--scheduler", "IPv6")),
    Case(
        "sweep-scheduler-without-port",
        ["sweep", "s.toml", "--out", "out", "--scheduler", "localhost:"],
        {**MIN, "s.toml": SPEC},
        names=("--scheduler localhost:",),
    ),
    Case("seed-negative", ["run", "--reps", "2", "--seed", "-1"], names=("--seed",)),
    Case("seed-not-an-integer", ["trace", "min.toml", "--seed", "1.5"], MIN, names=("--seed",)),
    Case("reps-zero", ["run", "--reps", "0"], names=("--reps",)),
    Case("reps-not-a-number", ["run", "--reps", "many"], names=("--reps",)),
    Case("precision-nan", ["run", "--precision", "nan"], names=("--precision",)),
    Case("compare-one-scenario", ["compare", "min.toml"], MIN, names=("at least two",)),
    # -- records drawdown reads back: merge and plot --------------------------------------------
    Case(
        "merge-shard-record-nested-deep",
        ["merge", "d"],
        {"d/shards/shard-0001-of-0001.json": "[" * 100_000 + "]" * 100_000},
        names=("shard-0001-of-0001.json",),
    ),
    Case(
        "merge-shard-record-not-json",
        ["merge", "d"],
        {"d/shards/shard-0001-of-0001.json": "{not json"},
        names=("shard-0001-of-0001.json",),
    ),
    Case("merge-no-shards", ["merge", "d"], {"d/notes.txt": "mine\n"}, names=("d",)),
    Case(
        "plot-compare-record-nested-deep",
        ["plot", "d"],
        {"d/compare.json": "[" * 100_000 + "]" * 100_000},
        names=("compare.json",),
    ),
    Case("plot-summary-json-not-json", ["plot", "d"], {"d/summary.json": "{", "d/summary.npz": b"PK"}, names=("d",)),
    Case("plot-not-a-run", ["plot", "d"], {"d/notes.txt": "mine\n"}, names=("d",)),
    # -- output directories and totals the engines hold ----------------------------------------------
    Case(
        "out-empty",
        ["run", "min.toml", "--reps", "1", "--seed", "1", "--out", ""],
        MIN,
        names=("--out",),
    ),
    Case(
        "out-holds-a-users-file",
        ["run", "min.toml", "--reps", "1", "--seed", "1", "--out", "d"],
        {**MIN, "d/summary.json": "mine\n"},
        names=("d",),
        unchanged={"d/summary.json": b"mine\n"},
    ),
    Case(
        "contingents-total-2.2e9-troops-at-one-base",
        ["validate", "troops.toml"],
        {
            "troops.toml": 'start = 2021-01-01\n[decision]\nrule = "fixed"\ndate = 2021-01-02\n'
            "[bases.Alpha]\nseats_per_day = 10000000\ncargo_t_per_day = 1000\n"
            + "".join(f'[contingents."N{i}@Alpha"]\ntroops = 10000000\n' for i in range(220))
        },
        names=("troops.toml",),
    ),
]

#: Address space of a process that must refuse a huge request before it allocates (the
#: old code's slow MemoryErrors come within seconds under it).
LIMITED_MEMORY = 640 << 20

# Real processes: real exit status and stderr; a memory limit where the old code ran out of
# memory slowly; a FIFO or /dev/zero that must not block or fill memory.
PROCESS_CASES: list[Case] = [
    Case(
        "process-deep-scenario",
        ["validate", "deep.toml"],
        {"deep.toml": deep_array()},
        names=("deep.toml",),
        process=True,
    ),
    Case(
        "process-extends-a-settings-file",
        ["validate", "c.toml"],
        {"c.toml": 'extends = "settings.toml"\n', "settings.toml": f'[credentials]\ntoken = "{SECRET}"\n'},
        names=("settings.toml: not a drawdown scenario",),
        absent=(SECRET, "token"),
        process=True,
    ),
    Case(
        "process-reps-1e12",
        ["run", "--reps", "1000000000000", "--seed", "1", "-q"],
        names=("--reps",),
        marks=(POSIX,),
        process=True,
        memory=LIMITED_MEMORY,
    ),
    Case(
        "process-sweep-1e9-points",
        ["sweep", "s.toml", "--out", "out", "-q"],
        {
            **MIN,
            "s.toml": SPEC_HEAD.replace('design = "grid"', 'design = "lhs"\npoints = 1000000000')
            + "[factors.horizon_days]\nlow = 100\nhigh = 120\n",
        },
        names=("s.toml", "points"),
        marks=(POSIX,),
        process=True,
        memory=LIMITED_MEMORY,
    ),
]

PROCESS_TIMEOUT = 60


def _write(folder: Path, files: dict[str, FileSpec]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content)
        else:
            content(path)


def _limiter(memory: int | None) -> Callable[[], None] | None:
    """What the child runs before drawdown: a limit on its address space (None: no limit)."""
    if memory is None:
        return None

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return limit


def _run_process(argv: list[str], cwd: Path, memory: int | None) -> tuple[int, str]:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")  # a thread's buffers count against a memory limit
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "drawdown.cli.main", *argv],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=PROCESS_TIMEOUT,
            preexec_fn=_limiter(memory),
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"drawdown {' '.join(argv)} ran past {PROCESS_TIMEOUT} s")
    return done.returncode, done.stdout + done.stderr


@contextlib.contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """A TimeoutError in this process after ``seconds`` (where there are alarms): a FIFO must not block."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _params(cases: list[Case]) -> list:
    return [pytest.param(c, id=c.id, marks=c.marks) for c in cases]


@pytest.mark.parametrize("case", _params(CASES + PROCESS_CASES))
def test_bad_input(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, case.files)
    monkeypatch.chdir(tmp_path)
    if case.process:
        code, output = _run_process(case.argv, tmp_path, case.memory)
    else:
        with _deadline(PROCESS_TIMEOUT):
            r = make_runner().invoke(main, case.argv, prog_name="drawdown")
        code, output = r.exit_code, r.stdout + r.stderr
        if r.exception is not None and not isinstance(r.exception, SystemExit):
            pytest.fail(f"uncaught {type(r.exception).__name__}: {r.exception!s:.300}")
    assert "Traceback" not in output, output[-3000:]
    assert code == case.code, output[-3000:]
    for text in case.names:
        assert text in output, f"{text!r} not in:\n{output[-3000:]}"
    for text in case.absent:
        assert text not in output, f"{text!r} shown in:\n{output[-3000:]}"
    for name, content in case.unchanged.items():
        assert (tmp_path / name).read_bytes() == content, f"{name} was changed"
    if case.code == 2 and "--out" in case.argv:
        out = case.argv[case.argv.index("--out") + 1]
        assert out == "" or not (tmp_path / out / "manifest.json").exists(), (
            "bad input, yet a run directory was written"
        )


def test_the_corpus_is_large() -> None:
    assert len(CASES) + len(PROCESS_CASES) >= 60


# -- the same defects through the library ------------------------------------------------------------
def test_a_byte_order_mark_is_dropped_and_the_hash_is_the_content_s(tmp_path: Path) -> None:
    (tmp_path / "plain.toml").write_text(MINIMAL)
    (tmp_path / "bom.toml").write_bytes(BOM + MINIMAL.encode())
    assert drawdown.load(tmp_path / "bom.toml").hash == drawdown.load(tmp_path / "plain.toml").hash
    (tmp_path / "min.toml").write_text(MINIMAL)
    (tmp_path / "s.toml").write_text(SPEC)
    (tmp_path / "s-bom.toml").write_bytes(BOM + SPEC.encode())
    assert load_spec(tmp_path / "s-bom.toml").hash == load_spec(tmp_path / "s.toml").hash
    assert parse_spec("\ufeff" + SPEC, file=str(tmp_path / "s.toml")).hash == load_spec(tmp_path / "s.toml").hash


def test_nesting_is_bounded_without_recursion() -> None:
    assert parse_toml("a = " + "[" * MAX_DEPTH + "]" * MAX_DEPTH, "f.toml")  # just fits: a's list is level 1
    with pytest.raises(ScenarioError) as e:
        parse_toml("b = 1\na = " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "f.toml")
    assert [(p.file, p.key) for p in e.value.problems] == [("f.toml", "a")]
    with pytest.raises(ScenarioError, match="f.toml: malformed TOML: arrays or inline tables nested too deeply"):
        parse_toml(deep_array(), "f.toml")
    with pytest.raises(ScenarioError, match="not valid TOML: arrays"):
        parse_spec(spec(deep_array().strip()), file="f.toml")


def test_an_extended_file_that_is_not_a_scenario_is_named_and_not_echoed(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(f'[credentials]\ntoken = "{SECRET}"\n')
    (tmp_path / "c.toml").write_text('extends = "settings.toml"\n')
    with pytest.raises(ScenarioError) as e:
        drawdown.load(tmp_path / "c.toml")
    (p,) = e.value.problems
    assert (p.file, p.key) == (str(tmp_path / "settings.toml"), "")
    assert p.message == f"not a drawdown scenario (extended by {tmp_path / 'c.toml'} at key extends)"


def test_an_extends_target_must_be_a_toml_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text(MINIMAL)
    with pytest.raises(ScenarioError, match=r"c\.toml: extends: expected a scenario name or a path to a \.toml file"):
        find_referenced("./notes.txt", relative_to=tmp_path, file="c.toml", key="extends")
    assert find_referenced("doha-2021-05-01", relative_to=tmp_path, file="c.toml", key="extends").name == (
        "doha-2021-05-01.toml"
    )


def test_a_missing_sweep_base_names_the_spec_and_its_key(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(spec().replace('"min.toml"', '"gone"'))
    with pytest.raises(ScenarioError) as e:
        drawdown.batch.SweepBatch(tmp_path / "s.toml", tmp_path / "out")
    (p,) = e.value.problems
    assert (p.file, p.key) == (str(tmp_path / "s.toml"), "base")
    assert p.message.startswith("scenario 'gone' not found (looked for ")
    assert not (tmp_path / "out").exists()


def test_reading_refuses_what_is_not_a_text_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="is a directory; expected a sweep spec"):
        read_text_file(tmp_path, "sweep spec")
    (tmp_path / "u16.toml").write_bytes("a = 1".encode("utf-16"))
    with pytest.raises(ScenarioError, match="UTF-16 byte-order mark"):
        read_text_file(tmp_path / "u16.toml")


@pytest.mark.parametrize(
    "address, ok",
    [
        ("tcp://10.0.0.5:8786", True),
        ("10.0.0.5:8786", True),
        ("tls://[::1]:8786", True),
        ("inproc://10.0.0.5/1/2", True),
        ("localhost", False),
        ("tcp://localhost", False),
        ("[::1]", False),
        (":8786", False),
        ("tcp://h:0", False),
        ("tcp://h:65536", False),
        ("tcp://h:8786/", False),
        ("::1:8786", False),
        ("nope://h:1", False),
        ("", False),
    ],
)
def test_scheduler_addresses_are_checked_before_connecting(address: str, ok: bool) -> None:
    from drawdown.batch.executors import check_scheduler_address

    if ok:
        assert check_scheduler_address(address) == address
    else:
        with pytest.raises(DrawdownError, match=r"^scheduler='"):
            check_scheduler_address(address)


def test_the_dask_executor_refuses_a_malformed_address_in_drawdown_s_words() -> None:
    pytest.importorskip("distributed")
    from drawdown.batch import make_executor

    with pytest.raises(DrawdownError, match=r"scheduler='localhost': no port"):
        make_executor(scheduler="localhost")
