"""The factorial and saltelli designs (issue 17), as the nolh and morris ones in their own
files: the same bits whatever the executor or the shards, and a resume after SIGKILL that
redoes no finished point.
"""

from __future__ import annotations

import pytest
from batch_helpers import assert_same_sweep, assert_sigkill_resume, invoke
from drawdown.batch import MANIFEST, read_record

HEAD = """\
base = "doha-2021-05-01"
seed = 7
replications = 20
block_size = 10
"""
FACTORS = """
[factors.'threat.attack_rate_after']
low = 0.5
high = 2.5

[factors.'decision.p_no_consensus']
low = 0.2
high = 0.8

[factors.'contingent_defaults.prep_days.mode']
low = 10
high = 30
"""
SPECS = {
    "factorial": (HEAD + 'design = "factorial"\n' + FACTORS, 8),  # 2^3
    "saltelli": (HEAD + 'design = "saltelli"\npoints = 4\n' + FACTORS, 4 * (3 + 2)),
}


@pytest.fixture(scope="module", params=sorted(SPECS))
def design(request, tmp_path_factory):
    text, points = SPECS[request.param]
    spec = tmp_path_factory.mktemp(request.param) / f"{request.param}.toml"
    spec.write_text(text)
    reference = spec.parent / "reference"
    invoke("sweep", spec, "--out", reference, "--quiet")
    return request.param, spec, reference, points


def test_the_same_bits_with_workers_and_shards(design, tmp_path):
    name, spec, reference, points = design
    invoke("sweep", spec, "--out", tmp_path / "w", "--workers", 2, "--quiet")
    assert_same_sweep(reference, tmp_path / "w", points)
    shards = tmp_path / "s"
    for i in (2, 1):
        invoke("sweep", spec, "--out", shards, "--shard", f"{i}/2", "--quiet")
    assert f"merged {points} sweep points" in invoke("merge", shards).stdout
    assert_same_sweep(reference, shards, points)
    assert read_record(shards / MANIFEST)["spec"]["design"] == name


def test_killed_midway_resumes_without_recomputing(design, tmp_path):
    name, spec, reference, points = design
    assert_sigkill_resume(spec, reference, tmp_path / "k", points, name)
