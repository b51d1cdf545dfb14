"""A run meets the world (issue 13): a full disk, SIGTERM and SIGINT, other users on the
machine, and identical runs that must give identical bytes.

* Defect 5, disk full: every write that can fail for lack of space fails with an
  ``OSError`` the command line reports as ``error: FILE: ...`` with exit status 1, never
  a signal (``replications.npz`` was assembled through memory maps of sparse files:
  SIGBUS, exit 135). A full disk is simulated without root by a file size limit
  (``RLIMIT_FSIZE`` with SIGXFSZ ignored: writes past it fail with ``EFBIG``), and,
  where a private tmpfs can be mounted (``unshare``), by a disk that really fills up.
  Either way nothing temporary is left, and ``--resume`` then finishes the run.
* Defect 7, signals: SIGTERM or SIGINT to the main process of ``drawdown run`` /
  ``drawdown sweep`` (worker processes, a local Dask cluster, or none) ends every child
  process, lets a parent reading the pipes to their end return, exits 143 or 130 with one
  line on stderr, and leaves a directory that ``--resume`` finishes with the files of an
  uninterrupted run. SIGKILL leaves no time to clean up: a pool's workers exit by
  themselves once their owner is gone.
* Defect 10, the local Dask cluster: TLS with a credential of its own (a plain TCP client,
  or one with another credential, cannot connect), no HTTP route served, nothing on 8787.
* Reproducible bytes: two identical runs (or sweeps) give directories identical file by
  file, byte for byte. No file holds a wall-clock time (checked: no JSON field is named as
  one), so nothing is excluded.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from batch_helpers import cli_process, invoke
from drawdown.batch import MANIFEST, read_record
from drawdown.errors import ResultError

psutil = pytest.importorskip("psutil")

SCENARIO = "doha-2021-05-01"


def files_of(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (hidden ones included), by relative path, with its bytes."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def leftovers(directory: Path) -> list[str]:
    """Temporary files (``.NAME.*.tmp``) and part folders (``.NAME.*.parts``) under ``directory``."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob(".*") if p.suffix in (".tmp", ".parts"))


def assert_same_results(reference: Path, out: Path, *, runs_alike: bool) -> None:
    """The files of ``out`` are those of ``reference``, byte for byte: every result file
    always; a run's unit files and manifest too when both runs had the same unit plan."""
    want, got = files_of(reference), files_of(out)
    if not runs_alike:  # another executor plans other units: same results, other blocks/ and manifest
        keep = lambda name: not name.startswith("blocks/") and name != MANIFEST  # noqa: E731
        want = {k: v for k, v in want.items() if keep(k)}
        got = {k: v for k, v in got.items() if keep(k)}
    assert sorted(got) == sorted(want)
    differ = [name for name in want if want[name] != got[name]]
    assert not differ, f"{differ} differ between {reference} and {out}"


def survivors(processes: list, timeout: float) -> list:
    """Those of ``processes`` still running after ``timeout`` seconds (a zombie, dead but
    not yet reaped by whoever inherited it, holds nothing and does not count)."""

    def dead(p) -> bool:
        try:
            return p.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    deadline = time.monotonic() + timeout
    while True:
        alive = [p for p in processes if not dead(p)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


# -- disk full (defect 5) ------------------------------------------------------------------------------
DISK_ARGS = ("run", SCENARIO, "--reps", 1200, "--block-size", 200, "--seed", 3, "--quiet")


@pytest.fixture(scope="module")
def disk_reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("disk") / "ref"
    invoke(*DISK_ARGS, "--out", out)
    return out


def with_file_size_limit(limit: int):
    def limit_writes() -> None:  # in the child, before exec: writes past `limit` fail with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_writes


def test_a_full_disk_is_a_clear_error_not_a_signal(disk_reference, tmp_path):
    """A file size limit that stops the first unit's files (the joined replications.npz,
    the last big write, has its own test: tests/test_store_once.py)."""
    out = tmp_path / "run"
    proc = cli_process(*DISK_ARGS, "--out", out, preexec_fn=with_file_size_limit(8192))
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, (proc.returncode, err)  # not -SIGBUS, not -SIGXFSZ
    last = err.strip().splitlines()[-1]
    assert re.fullmatch(
        rf"error: {re.escape(str(out / 'blocks'))}/\d{{6}}\.(replications\.)?npz: File too large", last
    ), err
    assert "Traceback" not in err
    assert leftovers(out) == []
    # a disk with room again: --resume finishes the run, the files of the run never stopped
    invoke(*DISK_ARGS, "--out", out, "--resume")
    assert leftovers(out) == []
    assert_same_results(disk_reference, out, runs_alike=True)


def _private_tmpfs_command() -> list[str] | None:
    """``unshare`` arguments that run a shell in a mount namespace of its own, where it may
    mount a tmpfs (as root, or as anyone in a user namespace); None where neither works."""
    if shutil.which("unshare") is None:
        return None
    variants = [["unshare", "--mount"]] if os.geteuid() == 0 else []
    variants.append(["unshare", "--user", "--map-root-user", "--mount"])
    for cmd in variants:
        probe = subprocess.run(
            [*cmd, "sh", "-c", "d=$(mktemp -d) && mount -t tmpfs -o size=64k none $d && umount $d && rmdir $d"],
            capture_output=True,
        )
        if probe.returncode == 0:
            return cmd
    return None


TMPFS_SCRIPT = """
set -u
mount -t tmpfs -o size="$SIZE" none "$MNT" || exit 99
"$PY" -m drawdown.cli.main "$@" --out "$MNT/run" >"$RES/out" 2>"$RES/err"
echo $? >"$RES/rc"
(cd "$MNT/run" && find . -name '.*' \\( -name '*.tmp' -o -name '*.parts' \\)) >"$RES/leftovers"
mount -o remount,size=256m "$MNT"
"$PY" -m drawdown.cli.main "$@" --out "$MNT/run" --resume >/dev/null 2>"$RES/resume.err"
echo $? >"$RES/resume.rc"
cp -a "$MNT/run" "$RES/run"
"""


def test_a_disk_that_fills_up_is_a_clear_error_not_sigbus(disk_reference, tmp_path):
    """On a small tmpfs that fills up while replications.npz is assembled (before: SIGBUS, exit 135)."""
    unshare = _private_tmpfs_command()
    if unshare is None:
        pytest.skip("cannot mount a private tmpfs here (no unshare, or no mount namespaces)")
    pages = lambda n: -(-n // 4096) * 4096  # noqa: E731  (tmpfs counts whole pages)
    sizes = {name: len(data) for name, data in files_of(disk_reference).items()}
    final = sizes.pop("replications.npz")
    # room for every other file, a few pages of slack, and half the parts replications.npz is made of
    size = sum(pages(n) for n in sizes.values()) + 16 * 4096 + pages(final // 2)
    mnt, res = tmp_path / "mnt", tmp_path / "res"
    mnt.mkdir()
    res.mkdir()
    env = dict(os.environ, SIZE=str(size), MNT=str(mnt), RES=str(res), PY=sys.executable)
    r = subprocess.run(
        [*unshare, "sh", "-c", TMPFS_SCRIPT, "sh", *map(str, DISK_ARGS)], env=env, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    err = (res / "err").read_text()
    assert (res / "rc").read_text().strip() == "1", err  # not 135 (SIGBUS)
    last = err.strip().splitlines()[-1]
    assert re.fullmatch(rf"error: {re.escape(str(mnt))}/run/\S+: No space left on device", last), err
    assert "Traceback" not in err
    assert (res / "leftovers").read_text() == ""
    assert (res / "resume.rc").read_text().strip() == "0", (res / "resume.err").read_text()
    assert_same_results(disk_reference, res / "run", runs_alike=True)


# -- SIGTERM and SIGINT (defect 7) ---------------------------------------------------------------------
SIG_ARGS = ("run", SCENARIO, "--reps", 1200, "--block-size", 100, "--seed", 4, "--quiet")
SWEEP_SPEC = """\
base = "doha-2021-05-01"
seed = 4
replications = 200
block_size = 100
design = "grid"

[factors.'threat.attack_rate_after']
values = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
"""


@pytest.fixture(scope="module")
def signal_references(tmp_path_factory) -> dict[str, Path]:
    """The uninterrupted run and sweep, in this process."""
    d = tmp_path_factory.mktemp("signals")
    (d / "sweep.toml").write_text(SWEEP_SPEC)
    invoke(*SIG_ARGS, "--out", d / "run")
    invoke("sweep", d / "sweep.toml", "--out", d / "sweep", "--quiet")
    return {"run": d / "run", "sweep": d / "sweep", "spec": d / "sweep.toml"}


def _started(out: Path, kind: str) -> bool:
    """Whether the run or sweep in ``out`` has recorded a finished unit or point."""
    try:
        m = read_record(out / MANIFEST)
    except (ResultError, KeyError, OSError):
        return False
    return bool(m.get("done"))


def _needs_dask(executor: tuple) -> None:
    if "--dask-local" in executor:
        pytest.importorskip("distributed")
        pytest.importorskip("cryptography")


CASES = [
    ("run", (), signal.SIGTERM),
    ("run", ("--workers", 2), signal.SIGTERM),
    ("run", ("--workers", 2), signal.SIGINT),
    ("run", ("--dask-local", 2), signal.SIGTERM),
    ("sweep", ("--workers", 2), signal.SIGTERM),
]


@pytest.mark.parametrize(
    "kind, executor, signum",
    CASES,
    ids=[f"{k}-{' '.join(map(str, e)) or 'in-process'}-{signal.Signals(s).name}" for k, e, s in CASES],
)
def test_a_signal_ends_the_workers_and_leaves_a_resumable_directory(
    signal_references, tmp_path, kind, executor, signum
):
    _needs_dask(executor)
    out = tmp_path / kind
    if kind == "run":
        args = [*SIG_ARGS, *executor]
    else:
        args = ["sweep", signal_references["spec"], "--quiet", *executor]
    proc = cli_process(*args, "--out", out)
    children: list = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None and not _started(out, kind):
            time.sleep(0.01)
        children = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signum)
        try:
            stdout, err = proc.communicate(timeout=60)  # a parent reading both pipes to their end
        except subprocess.TimeoutExpired:
            pytest.fail("reading the command's stdout and stderr to their end did not return within 60 s")
    finally:
        for p in [*children, proc]:
            try:
                p.kill()
            except (psutil.NoSuchProcess, ProcessLookupError):
                pass
    if read_record(out / MANIFEST).get("complete"):
        pytest.skip("the command finished before the signal arrived")
    assert proc.returncode == 128 + signum, (proc.returncode, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("interrupted: ") and "--resume" in lines[0], err
    assert "Traceback" not in err + stdout
    alive = survivors(children, timeout=15)
    assert not alive, f"processes outlived the command: {alive}"
    assert leftovers(out) == []
    invoke(*args, "--out", out, "--resume")
    assert_same_results(signal_references[kind], out, runs_alike=False)


def _read_pty(master: int, until: str | None, timeout: float) -> str:
    """What a child wrote on its terminal (a pty's master end): up to ``until``, or to the end."""
    import select

    got, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline and not (until and until.encode() in got):
        ready, _, _ = select.select([master], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        got += chunk
    return got.decode(errors="replace")


def test_a_signal_to_a_command_without_a_directory_says_what_stopped_it():
    """Progress is drawn on a terminal only, so the child's stderr is a pty here."""
    import pty

    master, slave = pty.openpty()
    proc = cli_process("run", SCENARIO, "--reps", 10**6, "--seed", 1, stderr=slave)
    os.close(slave)
    try:
        label = _read_pty(master, "numpy: doha-2021-05-01", 120)  # the progress bar: the run has started
        proc.send_signal(signal.SIGTERM)
        stdout, _ = proc.communicate(timeout=60)
        err = _read_pty(master, None, 10)
    finally:
        proc.kill()
        os.close(master)
    assert "numpy: doha-2021-05-01" in label, label
    assert proc.returncode == 143, label + err
    last = [line.strip() for line in err.replace("\r", "\n").splitlines() if line.strip()][-1]
    assert last == "terminated (SIGTERM)" and stdout == "", err


OWNER_SCRIPT = """
import drawdown
from drawdown.batch import ProcessPool, make_units

if __name__ == "__main__":
    s = drawdown.load("doha-2021-05-01")
    pool = ProcessPool(2)
    units = make_units(s, 1, [(0, 20), (1, 20), (2, 20), (3, 20)], block_size=20, unit_blocks=1)
    for _ in pool.run(units):
        pass
    print("ready", flush=True)
    import time
    time.sleep(600)
"""


def test_pool_workers_exit_when_their_owner_is_killed(tmp_path):
    """SIGKILL leaves no time to clean up: the workers notice that their owner is gone."""
    script = tmp_path / "owner.py"
    script.write_text(OWNER_SCRIPT)
    proc = subprocess.Popen([sys.executable, script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "ready\n", proc.stderr.read()
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 2  # the workers (and the forkserver)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        alive = survivors(children, timeout=10)
        for p in alive:
            p.kill()
        assert not alive, f"workers outlived their owner: {alive}"
        assert proc.stdout.read() == ""  # and nobody holds the pipes
    finally:
        proc.kill()


# -- the local Dask cluster (defect 10) ----------------------------------------------------------------
def _listening_ports(pids: list[int]) -> set[int]:
    ports = set()
    for pid in pids:
        for c in psutil.Process(pid).net_connections(kind="inet"):
            if c.status == psutil.CONN_LISTEN:
                ports.add(c.laddr.port)
    return ports


def test_the_local_dask_cluster_speaks_tls_and_refuses_strangers():
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("cryptography")
    from drawdown.batch import DaskExecutor

    with DaskExecutor(local_workers=1) as ex:
        address = ex.cluster.scheduler_address
        assert address.startswith("tls://127.0.0.1:"), address
        assert ex.dashboard_link is None
        # a plain TCP client, and a TLS client with a credential of its own, cannot connect
        with pytest.raises(OSError):
            distributed.Client(address.replace("tls://", "tcp://", 1), timeout=5)
        with pytest.raises(OSError):
            distributed.Client(address, security=distributed.Security.temporary(), timeout=5)
        # no dashboard and no other HTTP route, on 8787 or anywhere the cluster listens
        me = psutil.Process()
        ports = _listening_ports([me.pid, *(p.pid for p in me.children(recursive=True))])
        assert 8787 not in ports
        for port in ports:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).status
            except urllib.error.HTTPError as e:
                status = e.code
            except OSError:  # not HTTP at all (a TLS listener resets the connection)
                continue
            assert status == 404, f"port {port} answers /health with {status}"
        # the cluster's own client does run work
        assert ex.client.submit(sum, [1, 2], pure=False).result(timeout=30) == 3


# -- reproducible bytes --------------------------------------------------------------------------------
#: Fields of the JSON files named as a time (when a file was written, how long a run took):
#: the only parts of a directory two identical runs may differ in. There are none.
TIME_FIELD = re.compile(r"(^|_)(time|timestamp|date_time|datetime|created|modified|started|finished|elapsed|wall)($|_)")


def json_keys(node) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in json_keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in json_keys(v)}
    return set()


def assert_identical_directories(a: Path, b: Path) -> None:
    fa, fb = files_of(a), files_of(b)
    assert sorted(fa) == sorted(fb)
    for name in fa:
        if name.endswith(".json"):
            timed = sorted(k for k in json_keys(json.loads(fa[name])) if TIME_FIELD.search(k))
            assert not timed, f"{name} holds times ({timed}): compare it without exactly those fields"
    differ = [name for name in fa if fa[name] != fb[name]]
    assert not differ, f"identical runs wrote different bytes: {differ}"


@pytest.mark.parametrize("executor", [(), ("--workers", 2)], ids=["in-process", "workers-2"])
def test_identical_runs_give_byte_identical_directories(tmp_path, executor):
    for name in ("A", "B"):
        invoke("run", "--seed", 1, "--reps", 300, *executor, "--out", tmp_path / name, "--quiet")
    assert_identical_directories(tmp_path / "A", tmp_path / "B")


def test_identical_sweeps_give_byte_identical_directories(signal_references, tmp_path):
    invoke("sweep", signal_references["spec"], "--out", tmp_path / "A", "--quiet")
    assert_identical_directories(signal_references["sweep"], tmp_path / "A")
