"""Make (or check) the golden files: what the code gives today, to the bit.

The golden files pin every result of the engines and of the commands that write
files, so that a refactor that should change nothing can be shown to change nothing:

* the outcome arrays of both engines (every per-replication array and the per-day
  arrays), for every shipped scenario and three seeds;
* every file that ``drawdown run --out`` writes, for every shipped scenario (numpy
  engine, three seeds) and for the SimPy engine;
* every file that ``drawdown sweep`` writes, for the shipped sweep spec and for a
  Latin hypercube and a Sobol design.

A file is pinned by the SHA-256 digest of its bytes; an ``.npz`` archive by the
digests of its members' bytes (a zip container records the time it was written,
its members do not). The digests, with the versions of the libraries that made
them, are in ``golden.json`` beside this file::

    python tests/golden/make_golden.py            # rewrite golden.json
    python tests/golden/make_golden.py --check    # compare; exit 1 on any difference

The files record numpy's SIMD features (``simd`` in a summary's metadata and in a
manifest's ``environment``), which are the CPU's, not the code's: the commands run
here with that string fixed to :data:`GOLDEN_SIMD`, so that a file's digest does not
depend on the CPU the test ran on. That the numbers themselves do not is what the
engine digests show (they cover no metadata).

``tests/test_golden.py`` runs the same comparison. Rewrite the file only after a
change that is meant to change results, and say so in the commit.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import json
import platform
import re
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

GOLDEN = Path(__file__).with_name("golden.json")

SEEDS = (1, 2021, 340282366920938463463374607431768211455)  # the last is 2**128 - 1
NUMPY_REPS = 1500  # two blocks, the second partial
SIMPY_REPS = 40
RUN_REPS = 1200
SIMPY_RUN_REPS = 30
#: What the files record as numpy's SIMD features while the golden commands run.
GOLDEN_SIMD = "golden:any-cpu"

EXTRA_SWEEPS = {
    "lhs": """
base = "doha-2021-05-01"
seed = 5
replications = 400
design = "lhs"
points = 4
[factors.'threat.attack_rate_after']
low = 0.5
high = 2.0
[factors.'decision.p_no_consensus']
low = 0.1
high = 0.7
""",
    "sobol": """
base = "announced-2021-09-11"
seed = 6
replications = 300
design = "sobol"
points = 4
[factors.'bases.Bagram.seats_per_day']
low = 400
high = 1200
[factors.deadline]
values = [2021-08-01, 2021-09-11]
""",
}


def versions() -> dict:
    """The library versions the digests depend on."""
    import matplotlib
    import scipy

    return {
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "matplotlib": matplotlib.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def array_digest(a: np.ndarray) -> str:
    a = np.ascontiguousarray(a)
    return digest(f"{a.dtype.str}{a.shape}".encode() + a.tobytes())


# An absolute path in a JSON file (where the scenarios or the sweep spec were read
# from) depends on where drawdown is installed and where the test ran: keep its name.
ABSOLUTE_PATH = re.compile(rb'"/(?:[^"/]*/)*([^"/]*)"')
# A manifest's checksum of itself covers those paths too.
SELF_CHECKSUM = re.compile(rb'^  "sha256": "[0-9a-f]{64}"', re.MULTILINE)


def file_digests(path: Path) -> dict:
    """Digest of a file, or of each member of an ``.npz`` archive (``name:member``).

    In a JSON file, each absolute path is replaced by ``<dir>/`` and its last part,
    and a manifest's checksum of itself is left out.
    """
    if path.suffix == ".npz":
        with zipfile.ZipFile(path) as zf:
            return {f"{path.name}:{m}": digest(zf.read(m)) for m in sorted(zf.namelist())}
    data = path.read_bytes()
    if path.suffix == ".json":
        data = ABSOLUTE_PATH.sub(rb'"<dir>/\1"', data)
        if path.name == "manifest.json":
            data = SELF_CHECKSUM.sub(b'  "sha256": "<self>"', data)
    return {path.name: digest(data)}


def tree_digests(root: Path) -> dict:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            rel = p.relative_to(root)
            for k, v in file_digests(p).items():
                out[str(rel.parent / k) if rel.parent != Path(".") else k] = v
    return out


def _package():
    """The package: ``drawdown``, or ``sim`` in the code before it was named drawdown."""
    try:
        import drawdown
    except ImportError:
        import sim as drawdown
    return drawdown


def _engines():
    """The two engine runners, wherever this version of the code keeps them."""
    try:
        from drawdown.engines import run_numpy, run_simpy
    except ImportError:  # the code before the package tree
        from sim.numpy_engine import run_numpy
        from sim.simpy_engine import run_simpy
    return run_numpy, run_simpy


def engine_digests() -> dict:
    sim = _package()

    run_numpy, run_simpy = _engines()
    out = {}
    for name in sim.list_scenarios():
        scenario = sim.load(name)
        for seed in SEEDS:
            for engine, run, reps in (("numpy", run_numpy, NUMPY_REPS), ("simpy", run_simpy, SIMPY_REPS)):
                outcomes = run(scenario, reps, seed, record_daily=True)
                for k, v in outcomes.arrays(daily=True).items():
                    out[f"{name}/{seed}/{engine}/{k}"] = array_digest(v)
    return out


@contextlib.contextmanager
def fixed_simd():
    """Make the files written meanwhile record :data:`GOLDEN_SIMD` as the SIMD features."""
    module = importlib.import_module(f"{_package().__name__}.results.environment")
    real = module.simd_features
    module.simd_features = lambda: GOLDEN_SIMD
    try:
        yield
    finally:
        module.simd_features = real


def _cli(args: list[str]) -> None:
    from click.testing import CliRunner
    from drawdown.cli.main import main as cli

    with fixed_simd():
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
    if result.exit_code != 0:
        raise RuntimeError(f"drawdown {' '.join(args)} exited {result.exit_code}:\n{result.output}")


def run_dir_digests(work: Path) -> dict:
    sim = _package()

    jobs = [(name, seed, "numpy", RUN_REPS) for name in sim.list_scenarios() for seed in SEEDS]
    jobs += [(name, SEEDS[0], "simpy", SIMPY_RUN_REPS) for name in ("doha-2021-05-01", "enablers-leave-first")]
    out = {}
    for name, seed, engine, reps in jobs:
        d = work / f"run-{name}-{seed}-{engine}"
        _cli(["run", name, "--seed", str(seed), "--reps", str(reps), "--engine", engine, "--out", str(d), "-q"])
        for k, v in tree_digests(d).items():
            out[f"run/{name}/{seed}/{engine}/{k}"] = v
    return out


def sweep_digests(work: Path) -> dict:
    specs = {"deadline-and-threat": "deadline-and-threat"}
    for label, text in EXTRA_SWEEPS.items():
        p = work / f"{label}.toml"
        p.write_text(text)
        specs[label] = str(p)
    out = {}
    for label, spec in specs.items():
        d = work / f"sweep-{label}"
        _cli(["sweep", spec, "--out", str(d), "-q"])
        for k, v in tree_digests(d).items():
            out[f"sweep/{label}/{k}"] = v
    return out


def make() -> dict:
    with tempfile.TemporaryDirectory(prefix="drawdown-golden-") as tmp:
        work = Path(tmp)
        digests = {"engines": engine_digests(), "run": run_dir_digests(work), "sweep": sweep_digests(work)}
    return {"versions": versions(), "digests": digests}


def differences(golden: dict, now: dict) -> list[str]:
    """What differs between two sets of digests, one line per key."""
    lines = []
    for part, want in golden["digests"].items():
        got = now["digests"].get(part, {})
        for k in sorted(set(want) | set(got)):
            if k not in got:
                lines.append(f"{part}: {k} is missing")
            elif k not in want:
                lines.append(f"{part}: {k} is new")
            elif want[k] != got[k]:
                lines.append(f"{part}: {k} differs")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with golden.json instead of rewriting it")
    args = parser.parse_args(argv)
    now = make()
    if not args.check:
        GOLDEN.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        n = sum(len(v) for v in now["digests"].values())
        print(f"wrote {GOLDEN} ({n} digests)")
        return 0
    golden = json.loads(GOLDEN.read_text())
    if golden["versions"] != now["versions"]:
        print(f"note: golden files made with {golden['versions']}, now {now['versions']}", file=sys.stderr)
    diff = differences(golden, now)
    print("\n".join(diff) if diff else "no differences")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
