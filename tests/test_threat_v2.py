"""The bounded threat of model v2 (MODEL-V2 §4, issue 16): a cap on the escalated attack
rate, and casualties split into killed and wounded, each with its own mean per attack.

Hand-computed rates, the loader's rules, the four engines agreeing on the split
replication by replication, conservation (killed + wounded = casualties), and two
checks at 10^5 replications of the shipped ``doha-2021-05-01`` and of
``tests/data/doha-capped.toml``: an exact identity
(the mean of killed is ``killed_per_attack`` times the attack mean the cap allows on
the troops there) and the bound the cap implies on the mean and the 99.9% quantile.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import drawdown
import numpy as np
import pytest
from cli_helpers import make_runner
from drawdown.cli.main import main
from drawdown.draws import STREAMS, attack_rates, binomial_inv, killed_and_wounded
from drawdown.engines import run_numpy, run_simpy
from drawdown.errors import ScenarioError
from scenario_text import MINIMAL
from scipy.special import bdtr
from scipy.stats import poisson

DATA = Path(__file__).parent / "data"
CAPPED = DATA / "doha-capped.toml"


def write(tmp_path: Path, threat: str, name: str = "s.toml", deadline: str = "2021-01-20") -> Path:
    """The minimal scenario with a deadline (day 19) and ``threat`` lines added to its [threat]."""
    text = MINIMAL.replace("[threat]\n", "[threat]\n" + threat + "\n", 1)
    text = text.replace("horizon_days = 100\n", f"horizon_days = 100\ndeadline = {deadline}\n", 1)
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as err:
        drawdown.load(path)
    return [(p.key, p.message) for p in err.value.problems]


# -- the cap, by hand ---------------------------------------------------------------------------


def test_capped_escalation_reaches_its_cap_and_stays(tmp_path):
    # Deadline day D = 19. After it: 1.0 * (1 + 0.5 * weeks), weeks = (t - D - 1) // 7:
    # days 20-26 -> 1.0, 27-33 -> 1.5, 34-40 -> 2.0 (the cap, reached exactly), 41-47 ->
    # 2.5 capped to 2.0, and 2.0 to the end. Before and on D: 0.1.
    s = drawdown.load(write(tmp_path, "escalation_per_week = 0.5\nattack_rate_max = 2.0"))
    rate = attack_rates(s)
    want = np.full(100, 2.0)
    want[:20] = 0.1
    want[20:27] = 1.0
    want[27:34] = 1.5
    assert rate.tolist() == want.tolist()
    uncapped = attack_rates(drawdown.load(write(tmp_path, "escalation_per_week = 0.5", "u.toml")))
    assert uncapped[41] == 2.5 and uncapped[-1] == 1.0 * (1 + 0.5 * 11)
    # below the cap the rate keeps its bits
    assert (rate[rate < 2.0] == uncapped[rate < 2.0]).all()


def test_cap_binds_the_coupled_rate_without_a_deadline(tmp_path):
    # Without a deadline: min(0.1 + 2.0 * max(V, 0), 0.5), V the conditions index.
    s = drawdown.load(write(tmp_path, "violence_coupling = 2.0\nattack_rate_max = 0.5", deadline='"none"'))
    V = np.array([[-1.0, 0.0], [0.1, 0.3], [1.0, 2.0]])
    assert attack_rates(s, V).tolist() == [[0.1, 0.1], [0.30000000000000004, 0.5], [0.5, 0.5]]


#: Doha as it was before issue 16 (v1's threat: no cap, casualties one count).
V1_DOHA = DATA / "layout2" / "doha-2021-05-01.toml"


def test_no_cap_leaves_every_rate_as_v1():
    s = drawdown.load(V1_DOHA)
    assert s.threat.attack_rate_max is None and not s.threat.splits_casualties
    D = s.deadline_day
    t = np.arange(s.horizon_days)
    want = np.where(t <= D, 0.02, 1.5 * (1 + 0.25 * ((t - D - 1) // 7)))
    assert (attack_rates(s) == want).all()


def test_the_validator_bounds_the_mean_by_the_cap(tmp_path):
    # Escalating 1e6 a week would reach a mean far above 10^6 attacks a day; the cap keeps it bounded.
    huge = "escalation_per_week = 1000000"
    assert any(k == "threat.attack_rate_after" for k, _ in problems(write(tmp_path, huge)))
    drawdown.load(write(tmp_path, huge + "\nattack_rate_max = 50", "capped.toml"))


# -- the loader's rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("threat", "key", "text"),
    [
        ("attack_rate_max = 0.05", "threat.attack_rate_max", "below attack_rate_before = 0.1"),
        ("attack_rate_max = 0.5", "threat.attack_rate_max", "below attack_rate_after = 1.0"),
        ("attack_rate_max = -1", "threat.attack_rate_max", ""),
        ("killed_per_attack = 0.1", "threat.killed_per_attack", "expected wounded_per_attack with it"),
        ("wounded_per_attack = 0.1", "threat.wounded_per_attack", "expected killed_per_attack with it"),
        (
            "killed_per_attack = 0.1\nwounded_per_attack = 0.2\ncasualties_per_attack = 0.4",
            "threat.casualties_per_attack",
            "killed_per_attack + wounded_per_attack = 0.3; expected their sum",
        ),
        ("killed_per_attack = -0.1\nwounded_per_attack = 0.2", "threat.killed_per_attack", ""),
        ("kiled_per_attack = 0.1", "threat.kiled_per_attack", "killed_per_attack"),
        # found by the fuzzer: a bad total beside the split (or a bad base rate beside a cap,
        # below) was a KeyError in the cross-key rule instead of the key's own problem
        (
            'killed_per_attack = 0.1\nwounded_per_attack = 0.2\ncasualties_per_attack = "x"',
            "threat.casualties_per_attack",
            "expected a number",
        ),
    ],
)
def test_bad_threat_keys_are_named(tmp_path, threat, key, text):
    found = problems(write(tmp_path, threat))
    assert any(k == key and text in m for k, m in found), found


def test_a_bad_base_rate_beside_a_cap_is_its_own_problem(tmp_path):
    path = write(tmp_path, "attack_rate_max = 2")
    path.write_text(path.read_text().replace("attack_rate_after = 1.0", 'attack_rate_after = "x"'))
    assert problems(path) == [("threat.attack_rate_after", "expected a number, found the string 'x'")]


def test_casualties_per_attack_is_killed_plus_wounded(tmp_path):
    s = drawdown.load(write(tmp_path, "killed_per_attack = 0.1\nwounded_per_attack = 0.3"))
    assert s.threat.casualties_per_attack == 0.4 and s.threat.killed_share == 0.25
    both = "killed_per_attack = 0.1\nwounded_per_attack = 0.3\ncasualties_per_attack = 0.4"
    same = drawdown.load(write(tmp_path, both, "same.toml"))
    assert same.threat == s.threat
    none = drawdown.load(write(tmp_path, "killed_per_attack = 0\nwounded_per_attack = 0", "z.toml"))
    assert none.threat.killed_share == 0.0 and none.threat.casualties_per_attack == 0.0


def test_a_bad_threat_key_exits_2_naming_file_and_key(tmp_path):
    path = write(tmp_path, "killed_per_attack = 0.1")
    result = make_runner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert str(path.name) in result.output and "threat.killed_per_attack" in result.output
    assert "Traceback" not in result.output


# -- the split ---------------------------------------------------------------------------------


def test_binomial_inv_is_the_definition():
    rng = np.random.default_rng(5)
    u = rng.random(20000)
    n = rng.integers(0, 2000, u.size)
    for p in (1e-3, 0.25, 0.5, 0.999):
        k = binomial_inv(u, n, p)
        assert ((k == 0) | (bdtr(k - 1, n, p) < u)).all() and (bdtr(k, n, p) >= u).all()
    assert binomial_inv(np.array([0.3]), np.array([7]), 0.0).tolist() == [0]
    assert binomial_inv(np.array([0.3]), np.array([7]), 1.0).tolist() == [7]


def test_killed_and_wounded_by_hand():
    # 4 casualties, share 0.25: P(0 killed) = 0.75^4 = 0.3164, P(<= 1) = 0.7383, P(<= 2) = 0.9492.
    killed, wounded = killed_and_wounded(0.25, np.array([4, 4, 4, 4, 0]), np.array([0.3, 0.5, 0.9, 0.95, 0.7]))
    assert killed.tolist() == [0, 1, 2, 3, 0] and wounded.tolist() == [4, 3, 2, 1, 0]


def test_the_killed_stream_moves_no_other_draw():
    assert STREAMS["killed"] == 13 and len(set(STREAMS.values())) == len(STREAMS)
    plain = drawdown.load(V1_DOHA)
    split = plain.replace(**{"threat.killed_per_attack": 0.1, "threat.wounded_per_attack": 0.3})
    a, b = run_numpy(plain, 400, seed=11), run_numpy(split, 400, seed=11)
    for k, v in a.arrays().items():
        assert np.array_equal(v, b.arrays()[k]), k
    assert a.killed is None and b.killed is not None


@pytest.mark.parametrize("name", [str(CAPPED), "network-split"])
def test_engines_agree_on_killed_and_wounded(name):
    if name == "network-split":
        s = drawdown.load(DATA / "network-minimal.toml").replace(
            **{
                "threat.attack_rate_before": 2.0,
                "threat.attack_rate_max": 2.0,
                "threat.killed_per_attack": 0.5,
                "threat.wounded_per_attack": 1.5,
            }
        )
        assert s.network is not None
    else:
        s = drawdown.load(name)
    a = run_numpy(s, 250, seed=9, block_size=100)
    b = run_simpy(s, 250, seed=9, block_size=100)
    assert set(a.arrays()) == set(b.arrays()) >= {"killed", "wounded"}
    for k, v in a.arrays().items():
        assert np.array_equal(v, b.arrays()[k]), k
    assert (a.killed + a.wounded == a.casualties).all() and a.killed.sum() > 0


def test_runs_report_and_store_killed_and_wounded(tmp_path):
    out = tmp_path / "run"
    args = ["run", str(CAPPED), "--reps", "300", "--seed", "2", "--out", str(out), "--quiet"]
    result = make_runner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "killed mean" in result.output and "killed + wounded" in result.output
    doc = json.loads((out / "summary.json").read_text())
    outcomes = doc.get("outcomes", doc)
    assert {"killed", "wounded", "casualties"} <= set(outcomes)
    with np.load(out / "replications.npz") as z:
        assert (z["killed"] + z["wounded"] == z["casualties"]).all()
    summary = drawdown.results.Summary.from_npz(out / "summary.npz")
    assert summary.sums["killed"] + summary.sums["wounded"] == summary.sums["casualties"]


# -- 10^5 replications: the mean and the cap ------------------------------------------------------------

REPS = 100_000


#: The two capped Doha scenarios, with their threat by their files (not read by the code):
#: (scenario, rate before, cap, killed per attack, casualties per attack, enough rate-days
#: at the cap, bounds on the cap's mean killed). The shipped doha-2021-05-01 (the base
#: force's threat: 0.007 a day before the deadline, capped at 6.0 after 12 weeks,
#: 0.04 killed and 0.36 wounded per attack) and the test scenario doha-capped (capped
#: at 3.0 from the 5th week, 0.1 killed and 0.3 wounded).
CAPPED_CASES = {
    "doha-2021-05-01": ("doha-2021-05-01", 0.007, 6.0, 0.04, 0.4, 350, (120, 200)),
    "doha-capped": (CAPPED, 0.007, 3.0, 0.1, 0.4, 400, (150, 250)),
}


@pytest.fixture(scope="module", params=list(CAPPED_CASES))
def capped(request):
    name, before, cap, killed, casualties, at_cap, bounds = CAPPED_CASES[request.param]
    s = drawdown.load(name)
    th = s.threat
    assert (th.attack_rate_before, th.attack_rate_max, th.killed_per_attack, th.casualties_per_attack) == (
        before,
        cap,
        killed,
        casualties,
    )
    case = {"before": before, "cap": cap, "killed": killed, "at_cap": at_cap, "bounds": bounds}
    return s, run_numpy(s, REPS, seed=20261203, record_daily=True), case


def hand_rates(s, case) -> np.ndarray:
    """The rate by the file, not by the code: ``before`` to the deadline, then
    min(1.5 * (1 + 0.25 * weeks), cap)."""
    D, t = s.deadline_day, np.arange(s.horizon_days)
    return np.where(t <= D, case["before"], np.minimum(1.5 * (1 + 0.25 * ((t - D - 1) // 7)), case["cap"]))


def test_killed_mean_is_its_share_of_the_attacks(capped):
    """Each attack's casualties are Poisson(0.4) and ``killed / 0.4`` of them are killed,
    so ``killed - killed_per_attack * attacks`` has mean 0 in every replication; tested at
    4.5 standard errors (a false failure about once in 150,000 runs)."""
    _, o, case = capped
    d = o.killed - case["killed"] * o.attacks
    assert abs(d.mean()) < 4.5 * d.std(ddof=1) / math.sqrt(REPS)


def test_killed_mean_matches_the_capped_rate_on_the_troops_there(capped):
    """The exact identity behind the cap. Attacks on day ``t`` have mean ``rate[t] *
    sum_b mult_b * troops_b / 9600`` on the troops at the start of the day. With the
    multipliers made equal (the weighted sum becomes the troops in country at the end of
    day ``t - 1``), ``killed - k * sum_t rate[t] * troops[t-1] / 9600`` has mean 0 (``k``
    the killed per attack), the rate being the file's, capped, computed here by hand; 4.5
    standard errors. An engine that escalated without the cap puts doha-capped's mean 67
    standard errors off (seed 77, measured)."""
    s0, _, case = capped
    s = s0.replace(**{f"bases.{b.name}.attack_multiplier": 1.0 for b in s0.bases})
    o = run_numpy(s, REPS, seed=77, record_daily=True)
    before = np.concatenate([np.full((REPS, 1), s.total_troops), o.troops_in_country[:, :-1]], axis=1)
    expected = case["killed"] * (before @ hand_rates(s, case)) / s.total_troops
    d = o.killed - expected
    assert abs(d.mean()) < 4.5 * d.std(ddof=1) / math.sqrt(REPS)


def cap_bound(s, case) -> tuple[float, int]:
    """The most the cap allows: the whole force at the most exposed base every day at the
    capped rate, ``Lambda = sum_t min(rate[t], cap) * max multiplier`` attacks (enablers
    stay last here, so no exposure factor), each with Poisson(k) killed. Killed is
    then at most (stochastically) the compound count ``sum_{i <= N} Y_i``, ``N ~
    Poisson(Lambda)``, ``Y_i ~ Poisson(k)``: its mean ``k * Lambda`` and its 99.9%
    quantile, from the exact pmf ``P(K = j) = sum_n P(N = n) P(Poisson(k n) = j)``."""
    k = case["killed"]
    lam = float(hand_rates(s, case).sum()) * max(b.attack_multiplier for b in s.bases)
    n = np.arange(int(lam + 12 * math.sqrt(lam) + 50))
    pn = poisson.pmf(n, lam)
    j = np.arange(int(k * n[-1] + 12 * math.sqrt(k * n[-1]) + 50))
    cdf = (pn[:, None] * poisson.cdf(j[None, :], k * n[:, None])).sum(axis=0)
    return k * lam, int(j[np.argmax(cdf >= 0.999)])


def test_killed_within_what_the_cap_implies(capped):
    s, o, case = capped
    mean_bound, q_bound = cap_bound(s, case)
    lo, hi = case["bounds"]
    assert lo < mean_bound < hi  # the capped rate-days x the largest multiplier x killed per attack
    assert o.killed.mean() + 4.5 * o.killed.std(ddof=1) / math.sqrt(REPS) < mean_bound
    assert np.quantile(o.killed, 0.999, method="inverted_cdf") <= q_bound
    # the cap binds: some replications escalate up to it
    assert o.killed.max() > 0 and (hand_rates(s, case) == case["cap"]).sum() > case["at_cap"]


def test_compare_measures_killed_and_wounded_only_where_both_split():
    # The paired difference in mean killed is the difference of the two means, exactly
    # (the same replications); against a v1 scenario (no split) it is undefined, and
    # the table has no killed or wounded line.
    from drawdown.batch import compare
    from drawdown.engines import run_numpy

    base = drawdown.load(CAPPED)
    more = base.replace({"threat.killed_per_attack": 0.2, "threat.wounded_per_attack": 0.2})
    c = compare([base, more], 300, seed=4, block_size=100)
    a, b = run_numpy(base, 300, 4, block_size=100), run_numpy(more, 300, 4, block_size=100)
    d = c.difference(1, "killed")
    assert d.estimate == pytest.approx(b.killed.mean() - a.killed.mean(), abs=1e-12) and d.n == 300
    assert d.low < d.estimate < d.high and d.se_paired > 0
    assert c.difference(1, "wounded").estimate == pytest.approx(b.wounded.mean() - a.wounded.mean(), abs=1e-12)
    assert "mean killed" in c.table() and c.csv_rows()[1]["diff_killed_difference"] == d.estimate
    assert c.csv_rows()[0]["killed_mean"] == pytest.approx(a.killed.mean())
    v1 = compare([base, drawdown.load(V1_DOHA)], 100, seed=4, block_size=100)
    assert v1.difference(1, "killed").estimate is None and "mean killed" not in v1.table()
    assert v1.to_json_dict()["differences"][0]["killed"]["difference"] is None
