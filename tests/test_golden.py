"""Golden files: both engines' outcome arrays and every file that ``drawdown run --out``
and ``drawdown sweep`` write are the same bits as when ``tests/golden/golden.json`` was
made (``python tests/golden/make_golden.py`` remakes it after a deliberate change)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "golden"
_spec = importlib.util.spec_from_file_location("make_golden", HERE / "make_golden.py")
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)

GOLDEN = json.loads((HERE / "golden.json").read_text())


def _comparable(part: str) -> dict:
    """The golden digests of ``part`` that this machine's libraries can reproduce."""
    want, now = GOLDEN["versions"], make_golden.versions()
    for lib in ("numpy", "scipy"):
        if want[lib] != now[lib]:
            pytest.skip(f"golden files made with {lib} {want[lib]}, this is {now[lib]}: streams may differ")
    digests = GOLDEN["digests"][part]
    if want["matplotlib"] != now["matplotlib"]:
        digests = {k: v for k, v in digests.items() if not k.endswith(".png")}
    return digests


def _check(part: str, got: dict) -> None:
    want = _comparable(part)
    got = {k: v for k, v in got.items() if k in want or not k.endswith(".png")}
    diff = make_golden.differences({"digests": {part: want}}, {"digests": {part: got}})
    assert not diff, f"{len(diff)} differences from the golden files:\n" + "\n".join(diff[:40])


def test_engine_outcomes_match_golden():
    _check("engines", make_golden.engine_digests())


def test_run_directories_match_golden(tmp_path):
    _check("run", make_golden.run_dir_digests(tmp_path))


def test_sweep_directories_match_golden(tmp_path):
    _check("sweep", make_golden.sweep_digests(tmp_path))


def test_golden_comparison_sees_a_changed_digest():
    part = "sweep"
    want = dict(GOLDEN["digests"][part])
    key = next(iter(want))
    got = dict(want, **{key: "0" * 64})
    del got[next(k for k in want if k != key)]
    diff = make_golden.differences({"digests": {part: want}}, {"digests": {part: got}})
    assert len(diff) == 2 and any("differs" in d for d in diff) and any("missing" in d for d in diff)


def test_golden_commands_record_a_fixed_simd_string():
    from drawdown.results import environment

    real = environment()["simd"]
    with make_golden.fixed_simd():
        assert environment()["simd"] == make_golden.GOLDEN_SIMD
    assert environment()["simd"] == real != make_golden.GOLDEN_SIMD
