"""``drawdown analyze``: the sensitivity of a finished sweep's outcomes (Sobol' indices of a
saltelli sweep, Morris elementary effects of a morris one)."""

from __future__ import annotations

import json
import math

import click

from .options import json_option, quiet_option, report_errors, warn


@click.command("analyze")
@click.argument("directory", metavar="SWEEP_DIR", type=click.Path(exists=True, file_okay=False, dir_okay=True))
@click.option(
    "--confidence",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.95,
    show_default=True,
    help="Of the bootstrap intervals.",
)
@click.option("--resamples", type=click.IntRange(min=99), default=999, show_default=True, help="Bootstrap resamples.")
@click.option(
    "--discover",
    metavar="CONDITION",
    help="Scenario discovery instead (a sweep of any design): the PRIM boxes of the points where "
    "CONDITION holds, 'OUTCOME OP NUMBER' (OP one of < <= > >=), such as 'p_met_deadline < 0.5'.",
)
@click.option(
    "--scores",
    is_flag=True,
    help="Feature scoring instead (a sweep of any design): each factor's extra-trees importance for "
    "every outcome, highest first (needs scikit-learn: pip install 'drawdown[analysis]').",
)
@click.option(
    "--min-coverage",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="With --discover: the box chosen is the densest covering at least this share of the cases.",
)
@click.option(
    "--alpha",
    type=click.FloatRange(0, 0.5, min_open=True, max_open=True),
    default=0.05,
    show_default=True,
    help="With --discover: the share of a box's points each peel removes.",
)
@json_option
@quiet_option
@report_errors
def analyze(
    directory: str,
    confidence: float,
    resamples: int,
    discover: str | None,
    scores: bool,
    min_coverage: float,
    alpha: float,
    as_json: bool,
    quiet: bool,
) -> None:
    """Sensitivity of every outcome of the finished sweep in SWEEP_DIR, by its design.

    `design = "saltelli"`: Sobol' indices, each factor's first-order index (its main
    effect's share of the outcome's variance across points) and total index (with its
    interactions). `design = "morris"`: Morris elementary effects, each factor's mean
    absolute effect mu* (the ranking to read), mean effect mu and their spread sigma,
    in the outcome's units per whole range of the factor. Each with a bootstrap
    interval (design sampling) and the standard deviation that replication noise
    alone gives it.

    Warnings (stderr, with --quiet too) say when replication noise is too large for
    the indices to mean much. The same spec seed gives the same intervals.

    With --discover CONDITION (a sweep of any design; lhs or sobol suit it best):
    scenario discovery. PRIM peels the box of all points, a slice at a time, towards
    the points where CONDITION holds; it prints the peeling trajectory (each box's
    coverage, density and mass) and the factor ranges of the box chosen on it, then the
    leaves of a CART tree for the same condition (with scikit-learn).

    With --scores (a sweep of any design): each factor's extra-trees feature score
    for every outcome (its share of the trees' impurity decrease; they sum to 1).

    \b
    Example:
      drawdown sweep scenarios/sweeps/sensitivity.toml --out results/sens
      drawdown analyze results/sens
      drawdown analyze results/discovery --discover "p_met_deadline < 0.5"
    """
    if discover is not None:
        _discover(directory, discover, min_coverage, alpha, as_json)
        return
    if scores:
        _scores(directory, as_json)
        return
    from ..analysis import analyze_sweep

    spec, indices = analyze_sweep(directory, confidence=confidence, n_resamples=resamples)
    for result in indices.values():
        for note in result.notes:
            warn(note)
    morris = spec.design == "morris"
    if as_json:
        k = len(spec.factors)
        doc = {
            "sweep": str(directory),
            "design": spec.design,
            ("trajectories" if morris else "base_samples"): spec.points,
            "points": (spec.points or 0) * (k + 1 if morris else k + 2),
            "replications": spec.replications,
            "seed": str(spec.seed),
            "method": MORRIS_METHOD if morris else SOBOL_METHOD,
            "bootstrap_resamples": resamples,
            "outcomes": [r.to_json() for r in indices.values()],
        }
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(_morris_header(spec, confidence) if morris else _header(spec, confidence))
    for result in indices.values():
        click.echo("")
        click.echo(_morris_table(result) if morris else _table(result))


SOBOL_METHOD = "scipy.stats.sobol_indices (Saltelli 2010 first order, Jansen total)"
MORRIS_METHOD = "Morris 1991 elementary effects, mu* of Campolongo et al. 2007; 4 levels, delta 2/3"


def _morris_header(spec, confidence: float) -> str:
    k = len(spec.factors)
    return (
        f"Morris elementary effects: {spec.points} trajectories x ({k} factors + 1) = "
        f"{(spec.points or 0) * (k + 1)} points, {spec.replications} replications each; effects in the "
        f"outcome's units per whole range of a factor;\n{confidence:.0%} bootstrap intervals of mu* "
        "(design sampling); noise: the sd replication noise alone gives mu* (an upper bound)"
    )


def _morris_table(result) -> str:
    share = "" if result.noise_share is None else f" (replication noise {result.noise_share:.1%} of its variance)"
    lines = [f"{result.outcome}{share}"]
    width = max(len(f) for f in result.factors)
    lines.append(f"  {'factor':<{width}}  {'mu*':>10}  {'interval':^23}  {'noise':>10}  {'mu':>10}  {'sigma':>10}")
    order = [result.factors.index(f) for f in result.ranking()]
    for i in order:
        noise = "-" if result.mu_star_noise_sd is None else _g(float(result.mu_star_noise_sd[i]))
        lo, hi = (_g(float(v)) for v in result.mu_star_ci[i])
        lines.append(
            f"  {result.factors[i]:<{width}}  {_g(float(result.mu_star[i])):>10}  [{lo:>10}, {hi:>10}]  "
            f"{noise:>10}  {_g(float(result.mu[i])):>10}  {_g(float(result.sigma[i])):>10}"
        )
    return "\n".join(lines)


def _g(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{x:.4g}"


def _header(spec, confidence: float) -> str:
    k = len(spec.factors)
    return (
        f"Sobol' indices: saltelli design, {spec.points} base samples x ({k} factors + 2) = "
        f"{(spec.points or 0) * (k + 2)} points, {spec.replications} replications each; "
        f"{confidence:.0%} bootstrap intervals (design sampling); noise: the sd replication noise\n"
        "alone gives an index (independent noise: an upper bound, common random numbers make it smaller)"
    )


def _num(x: float) -> str:
    return "     -" if not math.isfinite(x) else f"{x:6.3f}"


def _table(result) -> str:
    share = "" if result.noise_share is None else f" (replication noise {result.noise_share:.1%} of its variance)"
    lines = [f"{result.outcome}{share}"]
    width = max(len(f) for f in result.factors)
    lines.append(f"  {'factor':<{width}}   first  interval          noise   total  interval          noise")
    for i, key in enumerate(result.factors):
        cells = []
        for point, ci, sd in (
            (result.first, result.first_ci, result.first_noise_sd),
            (result.total, result.total_ci, result.total_noise_sd),
        ):
            noise = "     -" if sd is None else _num(float(sd[i]))
            cells.append(f"{_num(float(point[i]))}  [{_num(float(ci[i, 0]))}, {_num(float(ci[i, 1]))}]  {noise}")
        lines.append(f"  {key:<{width}}  " + "  ".join(cells))
    return "\n".join(lines)


def _discover(directory: str, condition: str, min_coverage: float, alpha: float, as_json: bool) -> None:
    from ..analysis import discover_sweep, limits_text

    spec, result = discover_sweep(directory, condition, alpha=alpha, min_coverage=min_coverage)
    leaves = _cart(directory, condition)
    if as_json:
        doc = {"sweep": str(directory), "design": spec.design, "replications": spec.replications,
               "seed": str(spec.seed), **result.to_json(),
               "cart": None if leaves is None else [leaf.to_json() for leaf in leaves]}  # fmt: skip
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(
        f"PRIM scenario discovery: {result.condition} at {result.cases} of {result.trajectory[0].points} points "
        f"(base rate {result.base_rate:.3f}); {spec.design} design, {spec.replications} replications a point;\n"
        f"peels of {alpha:g} of a box's points; the box chosen (*) is the densest covering at least "
        f"{min_coverage:.0%} of the cases"
    )
    click.echo("")
    click.echo("  box  coverage  density   mass  points  factors restricted")
    for i, box in enumerate(result.trajectory):
        mark = "*" if i == result.chosen else " "
        cells = f"{box.coverage:8.3f}  {box.density:7.3f}  {box.mass:5.3f}  {box.points:6d}"
        click.echo(f"{mark}{i:4d}  {cells}  {len(box.limits)}")
    click.echo("")
    box = result.box
    click.echo(f"box {result.chosen}: coverage {box.coverage:.3f}, density {box.density:.3f}, mass {box.mass:.3f}")
    if not box.limits:
        click.echo("  no factor restricted: the whole design")
    width = max((len(k) for k in box.limits), default=0)
    for key, limits in box.limits.items():
        click.echo(f"  {key:<{width}}  {limits_text(limits)}")
    if leaves is not None:
        click.echo("")
        click.echo("CART leaves (a tree of depth 3, densest first):")
        click.echo("  coverage  density   mass  points  rule")
        for leaf in leaves:
            rule = " and ".join(leaf.rule) or "(all points)"
            click.echo(f"  {leaf.coverage:8.3f}  {leaf.density:7.3f}  {leaf.mass:5.3f}  {leaf.points:6d}  {rule}")


def _cart(directory: str, condition: str):
    """The CART leaves, or None (with a warning) without scikit-learn."""
    from ..analysis import cart_sweep
    from ..errors import DrawdownError

    try:
        return cart_sweep(directory, condition)
    except DrawdownError as e:
        if "scikit-learn" not in str(e):
            raise
        warn(f"{e}: the CART tree is left out")
        return None


def _scores(directory: str, as_json: bool) -> None:
    from ..analysis import score_sweep

    spec, scores = score_sweep(directory)
    if as_json:
        doc = {"sweep": str(directory), "design": spec.design, "replications": spec.replications,
               "seed": str(spec.seed), "method": "extra-trees impurity importance (scikit-learn, 250 trees)",
               "outcomes": [r.to_json() for r in scores.values()]}  # fmt: skip
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(
        f"Feature scores: extra-trees impurity importance (250 trees) over {spec.design} design's points, "
        f"{spec.replications} replications each; each outcome's scores sum to 1"
    )
    width = max(len(f.key) for f in spec.factors)
    for r in scores.values():
        click.echo("")
        click.echo(r.outcome)
        for name in r.ranking():
            click.echo(f"  {name:<{width}}  {float(r.scores[r.factors.index(name)]):.3f}")
