"""Seeded survey data with planted truth, for the demo (`load_demo`), tests and the benchmark.

Pure numpy/pandas (pyarrow for the W1 file); no Django import. Everything is vectorised over respondents and
deterministic for a seed.

Generative model (one wave, respondent i, moment j):
1. Experienced: ``e_ij ~ Bernoulli(reach_j)``, independent of everything else, so reach carries no information
   about the respondent's mood.
2. Latent satisfaction drivers: ``z_ij = sqrt(rho_j) * g_i + sqrt(1 - rho_j) * u_ij``, ``g_i, u_ij ~ N(0, 1)``;
   the common factor ``g`` (share ``rho_j`` of the variance) correlates the ratings of different moments mildly,
   as in real surveys.
3. Rating on the 1-10 scale: ``clip(round(mu_jw + sd_j * z_ij + plan_i), 1, 10)``, NaN where ``e_ij = 0``;
   ``mu_jw`` sets the moment's satisfaction in wave w.
4. Likelihood to recommend:
   ``clip(round(base + sum_j w_j * z_ij + sum_j occ_jw * e_ij + segment_i + sigma * eps_i), 0, 10)``.
   The sum runs over *all* moments, experienced or not: a respondent's unobserved attitude still moves the
   outcome, and it keeps the spread of the outcome equal between experiencers and non-experiencers, so only a
   planted ``occ_jw`` gives a moment an occurrence effect. ``w_j`` is the planted impact.
5. Two more outcomes of the same respondents (issue 11), each a yes/no question with its own planted drivers:
   ``retained_i = [base_R + sum_j r_j * z_ij + sigma_R * eps_i > 0]`` ("Retention": will you stay next year) and
   ``[base_C + sum_j c_j * z_ij + sigma_C * eps_i > 0]`` ("Cross-sell": bought an extra service), drawn after
   everything above so steps 1-4 (and the NPS story) are the same as before for a seed.

Momentum's method (DESIGN.md section 2) then sees: satisfaction = mean rating rescaled to 0-100, impact = Johnson
(2000) relative weight of LTR on the ratings, thresholds = the mean over placed moments (n >= 30). The planted
levels sit well clear of those means, so the quadrants are recovered for any seed; `PlantedTruth` records them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "DemoJourney",
    "DemoMoment",
    "DEMO_OUTCOMES",
    "DemoWave",
    "PlantedTruth",
    "generate_broadband",
    "generate_w1_csv",
]

REGIONS = ("North", "South", "East", "West")
PLANS = ("Basic", "Fibre", "Premium")


@dataclass(frozen=True)
class DemoMoment:
    name: str
    slug: str
    stage: str
    position: int
    description: str
    is_brand_moment: bool
    aliases: tuple[str, ...]


@dataclass
class DemoWave:
    """One survey wave.

    ``frame``: one row per respondent; columns ``respondent_id`` (str), ``submitted_at`` (tz-aware UTC),
    ``ltr`` (int 0-10), ``region``, ``plan`` (str), then one float column per moment slug with the rating on
    the journey's 1-10 scale (NaN = not experienced), in moment position order.
    ``outcomes``: the other outcomes of the same respondents by name (``DEMO_OUTCOMES`` after NPS): float 0/1
    arrays aligned to ``frame``'s rows.
    """

    name: str
    period_start: date
    period_end: date
    frame: pd.DataFrame
    outcomes: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class PlantedTruth:
    """What the generator planted, for tests to recover.

    ``quadrants``: wave name -> moment slug -> one of raise, amplify, improve, reduce, insufficient_data.
    ``pain_points``: slugs whose mere occurrence lowers NPS. ``low_reach``: slug -> intended reach for the
    moments planted as rarely experienced. ``movers``: slug -> (quadrant in wave 1, quadrant in wave 2).
    ``outcome_quadrants``: the other outcomes' quadrants, outcome name -> wave name -> slug -> quadrant.
    """

    quadrants: dict[str, dict[str, str]]
    pain_points: set[str]
    low_reach: dict[str, float]
    movers: dict[str, tuple[str, str]]
    outcome_quadrants: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)


@dataclass
class DemoJourney:
    name: str
    slug: str
    description: str
    moments: list[DemoMoment]
    waves: list[DemoWave]
    truth: PlantedTruth
    scale: tuple[int, int] = (1, 10)


_ENGAGEMENT = 0.25
_RHO = 0.2


@dataclass(frozen=True)
class _Plan:
    """Planted parameters of one moment (see the module docstring for the model)."""

    moment: DemoMoment
    reach: float
    mu: tuple[float, float]  # rating location per wave
    weight: float  # w_j, impact on LTR per SD of the latent driver
    # occ_j per wave: LTR points for merely having the moment. The default small bonus (customers who use more
    # of the service are a little more loyal) keeps ordinary moments clear of a chance "pain point" verdict.
    occurrence: tuple[float, float] = (_ENGAGEMENT, _ENGAGEMENT)
    sd: float = 1.5
    rho: float = _RHO  # share of the latent variance common to all moments


def _m(position: int, name: str, slug: str, stage: str, description: str, *aliases: str, brand=False):
    return DemoMoment(name, slug, stage, position, description, brand, tuple(aliases))


# Planted story (wave 1 -> wave 2). Satisfaction means are far from the ~65/100 mean and weights far from the
# mean relative weight (10% over 10 placed moments), so the quadrant of each moment is unambiguous.
_BROADBAND: tuple[_Plan, ...] = (
    _Plan(
        _m(
            1,
            "Web order",
            "web-order",
            "Buy",
            "Ordering the subscription on the website.",
            "online order",
            "order",
            "web shop",
        ),
        reach=0.80,
        mu=(8.4, 8.4),
        weight=0.1,
    ),  # reduce: smooth, but nobody recommends a provider for its web shop
    _Plan(
        _m(
            2,
            "Store visit",
            "store-visit",
            "Buy",
            "Buying or asking for advice in a shop.",
            "shop visit",
            "retail store",
        ),
        reach=0.005,
        mu=(7.0, 7.0),
        weight=0.3,
    ),  # insufficient_data: ~15 experiencers per wave
    _Plan(
        _m(
            3,
            "Modem delivery",
            "modem-delivery",
            "Get connected",
            "The modem arriving at home.",
            "router delivery",
            "delivery",
            "parcel",
        ),
        reach=0.70,
        mu=(5.6, 5.6),
        weight=0.1,
    ),  # improve
    _Plan(
        _m(
            4,
            "Installation",
            "installation",
            "Get connected",
            "Getting the line working on activation day, self-installed or by us.",
            "install",
            "activation day",
            "setup",
        ),
        reach=0.92,
        mu=(8.6, 8.6),
        weight=0.95,
    ),  # amplify
    _Plan(
        _m(
            5,
            "App activation",
            "app-activation",
            "Get connected",
            "Creating an account in the My Broadband app.",
            "app",
            "my broadband app",
            "app registration",
        ),
        reach=0.55,
        mu=(5.8, 5.8),
        weight=0.1,
    ),  # improve
    _Plan(
        _m(
            6,
            "Welcome pack",
            "welcome-pack",
            "Get connected",
            "The branded box with a guide and a gift.",
            "welcome box",
            "welcome kit",
            brand=True,
        ),
        reach=0.06,
        mu=(9.0, 9.0),
        weight=0.05,
        occurrence=(0.5, 0.5),
        rho=0.03,
    ),  # reduce: loved by the few who notice it, who are a little warmer for having had it. A gift box says
    # little about the line (low common loading); with only ~180 raters, a moment that shares the common mood
    # would otherwise get a noisy correlation with LTR and a relative weight that wanders toward the mean.
    _Plan(
        _m(7, "First bill", "first-bill", "Use", "The first invoice after the switch.", "bill", "invoice", "billing"),
        reach=0.85,
        mu=(4.9, 8.4),
        weight=0.95,
        occurrence=(_ENGAGEMENT, 0.7),
    ),  # raise -> amplify after the billing redesign of Q2
    _Plan(
        _m(8, "Speed upgrade", "speed-upgrade", "Use", "Moving to a faster speed tier.", "upgrade", "speed boost"),
        reach=0.25,
        mu=(8.6, 8.6),
        weight=0.95,
    ),  # amplify
    _Plan(
        _m(
            9,
            "Service call",
            "service-call",
            "Get help",
            "Calling customer service with a question or fault.",
            "customer service",
            "helpdesk",
            "call centre",
            "call center",
        ),
        reach=0.40,
        mu=(4.7, 4.7),
        weight=0.95,
    ),  # raise
    _Plan(
        _m(
            10,
            "Technician visit",
            "technician-visit",
            "Get help",
            "An engineer comes to the home to fix the line or the wiring.",
            "technician",
            "engineer visit",
            "engineer",
            "repair visit",
        ),
        reach=0.30,
        mu=(8.3, 8.3),
        weight=0.1,
        occurrence=(-0.8, -0.8),
    ),  # reduce, and a pain point: rated ~8/10, yet needing one costs ~20 NPS points
    _Plan(
        _m(
            11,
            "Contract renewal",
            "contract-renewal",
            "Stay",
            "Renewing or extending the contract.",
            "renewal",
            "contract extension",
            "retention offer",
        ),
        reach=0.25,
        mu=(5.0, 5.0),
        weight=0.1,
    ),  # improve: disliked (price talk), but it does not decide whether customers recommend us
)

_BROADBAND_QUADRANTS: dict[str, tuple[str, str]] = {
    "web-order": ("reduce", "reduce"),
    "store-visit": ("insufficient_data", "insufficient_data"),
    "modem-delivery": ("improve", "improve"),
    "installation": ("amplify", "amplify"),
    "app-activation": ("improve", "improve"),
    "welcome-pack": ("reduce", "reduce"),
    "first-bill": ("raise", "amplify"),
    "speed-upgrade": ("amplify", "amplify"),
    "service-call": ("raise", "raise"),
    "technician-visit": ("reduce", "reduce"),
    "contract-renewal": ("improve", "improve"),
}

# The other outcomes (issue 11): (name, type), and per outcome the planted driver weight of each moment (weights
# not listed are 0.1) and the expected quadrants (the satisfaction side is the moment's, as for NPS). The story the
# side-by-side view tells: the contract renewal and the service call keep customers (Retention) though they do not
# make them recommend us; the installation and the speed upgrade make them recommend us but do not keep them;
# the web order and the app activation sell more (Cross-sell), and nothing else does.
DEMO_OUTCOMES: tuple[tuple[str, str], ...] = (("Retention", "binary"), ("Cross-sell", "binary"))
_OUTCOME_DRIVERS: dict[str, dict[str, float]] = {
    "Retention": {"first-bill": 0.95, "contract-renewal": 0.95, "service-call": 0.8},
    "Cross-sell": {"web-order": 0.95, "app-activation": 0.95, "speed-upgrade": 0.8},
}
_OUTCOME_BASE = {"Retention": 1.6, "Cross-sell": -0.9}  # about 80% retained, 30% buying more
_OUTCOME_SIGMA = 1.0
_OUTCOME_QUADRANTS: dict[str, dict[str, tuple[str, str]]] = {
    "Retention": {
        "web-order": ("reduce", "reduce"),
        "store-visit": ("insufficient_data", "insufficient_data"),
        "modem-delivery": ("improve", "improve"),
        "installation": ("reduce", "reduce"),
        "app-activation": ("improve", "improve"),
        "welcome-pack": ("reduce", "reduce"),
        "first-bill": ("raise", "amplify"),
        "speed-upgrade": ("reduce", "reduce"),
        "service-call": ("raise", "raise"),
        "technician-visit": ("reduce", "reduce"),
        "contract-renewal": ("raise", "raise"),
    },
    "Cross-sell": {
        "web-order": ("amplify", "amplify"),
        "store-visit": ("insufficient_data", "insufficient_data"),
        "modem-delivery": ("improve", "improve"),
        "installation": ("reduce", "reduce"),
        "app-activation": ("raise", "raise"),
        "welcome-pack": ("reduce", "reduce"),
        "first-bill": ("improve", "reduce"),
        "speed-upgrade": ("amplify", "amplify"),
        "service-call": ("improve", "improve"),
        "technician-visit": ("reduce", "reduce"),
        "contract-renewal": ("improve", "improve"),
    },
}

_WAVES = (
    ("2026 Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026 Q2", date(2026, 4, 1), date(2026, 6, 30)),
)

_LTR_BASE = 6.8
_LTR_SIGMA = 1.3
_LTR_PLAN = {"Basic": -0.3, "Fibre": 0.0, "Premium": 0.4}
_LTR_REGION = {"North": -0.15, "South": 0.15, "East": 0.0, "West": 0.0}
_RATING_PLAN = {"Basic": -0.15, "Fibre": 0.0, "Premium": 0.2}


def _ids(prefix: str, first: int, last: int, width: int) -> np.ndarray:
    """``prefix`` + zero-padded numbers ``first..last``, vectorised."""
    return np.char.add(prefix, np.char.zfill(np.arange(first, last + 1).astype(f"U{width}"), width))


def _seconds(rng: np.random.Generator, m: int, start: date, end: date, lo: int, hi: int, n: int) -> np.ndarray:
    """Sorted Unix seconds for respondents ``lo..hi-1`` of ``n`` spread uniformly over the days start..end.

    Respondent block [lo, hi) gets the matching slice of the period, so instants increase with the respondent
    number even when a file is written in chunks.
    """
    t0 = int(datetime.combine(start, time(), tzinfo=UTC).timestamp())
    span = int((end - start + timedelta(days=1)).total_seconds())
    first, last = span * lo // n, max(span * hi // n, span * lo // n + 1)
    return t0 + np.sort(rng.integers(first, last, size=m))


def _respondents(rng: np.random.Generator, n: int, plans: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Draw ``n`` respondents from the model of the module docstring (steps 1-4).

    ``plans`` holds per-moment arrays ``reach, mu, sd, weight, occurrence, rho``. Returns ``region`` and
    ``plan`` (index arrays into REGIONS, PLANS), ``experienced`` (bool, n x k), ``ratings`` (float 1-10 for
    every cell, experienced or not: the caller blanks the rest) and ``ltr`` (int 0-10).
    """
    k = len(plans["reach"])
    region = rng.integers(0, len(REGIONS), size=n)
    plan = rng.choice(len(PLANS), size=n, p=[0.35, 0.45, 0.20])
    experienced = rng.random((n, k)) < plans["reach"]
    rho = plans["rho"]
    z = np.sqrt(rho) * rng.standard_normal((n, 1)) + np.sqrt(1.0 - rho) * rng.standard_normal((n, k))

    rating_shift = np.array([_RATING_PLAN[p] for p in PLANS])[plan][:, None]
    ratings = np.clip(np.rint(plans["mu"] + plans["sd"] * z + rating_shift), 1, 10)
    segment = np.array([_LTR_PLAN[p] for p in PLANS])[plan] + np.array([_LTR_REGION[r] for r in REGIONS])[region]
    ltr = (
        _LTR_BASE
        + z @ plans["weight"]
        + experienced @ plans["occurrence"]
        + segment
        + _LTR_SIGMA * rng.standard_normal(n)
    )
    ltr = np.clip(np.rint(ltr), 0, 10).astype(np.int64)
    return {"region": region, "plan": plan, "experienced": experienced, "ratings": ratings, "ltr": ltr, "z": z}


def _other_outcomes(rng: np.random.Generator, z: np.ndarray) -> dict[str, np.ndarray]:
    """Step 5 of the module docstring: the yes/no outcomes of ``DEMO_OUTCOMES`` (float 0/1), from the same latent
    drivers ``z`` (n x k) with each outcome's own weights."""
    slugs = [p.moment.slug for p in _BROADBAND]
    outcomes = {}
    for name, _kind in DEMO_OUTCOMES:
        weight = np.array([_OUTCOME_DRIVERS[name].get(slug, 0.1) for slug in slugs])
        latent = _OUTCOME_BASE[name] + z @ weight + _OUTCOME_SIGMA * rng.standard_normal(len(z))
        outcomes[name] = (latent > 0).astype(np.float64)
    return outcomes


def _wave_frame(
    rng: np.random.Generator, n: int, wave_index: int, start: date, end: date
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    plans = {
        "reach": np.array([p.reach for p in _BROADBAND]),
        "mu": np.array([p.mu[wave_index] for p in _BROADBAND]),
        "sd": np.array([p.sd for p in _BROADBAND]),
        "weight": np.array([p.weight for p in _BROADBAND]),
        "occurrence": np.array([p.occurrence[wave_index] for p in _BROADBAND]),
        "rho": np.array([p.rho for p in _BROADBAND]),
    }
    drawn = _respondents(rng, n, plans)
    ratings = np.where(drawn["experienced"], drawn["ratings"], np.nan)
    seconds = _seconds(rng, n, start, end, 0, n, n)
    drawn["outcomes"] = _other_outcomes(rng, drawn["z"])
    frame = pd.DataFrame(
        {
            "respondent_id": pd.Series(_ids(f"BB-W{wave_index + 1}-", 1, n, 6), dtype="str"),
            "submitted_at": pd.to_datetime(seconds, unit="s", utc=True),
            "ltr": drawn["ltr"],
            "region": pd.Series(np.array(REGIONS)[drawn["region"]], dtype="str"),
            "plan": pd.Series(np.array(PLANS)[drawn["plan"]], dtype="str"),
        }
    )
    moments = pd.DataFrame(ratings, columns=[p.moment.slug for p in _BROADBAND])
    return pd.concat([frame, moments], axis=1), drawn["outcomes"]


def generate_broadband(seed: int = 7, respondents_per_wave: int = 3000) -> DemoJourney:
    """The "Broadband" demo journey: 11 moments over 5 stages, two quarterly waves, with planted truth.

    Planted stories (see ``_BROADBAND`` for the numbers): every quadrant is populated; the technician visit is
    rated ~8/10 by the ~30% who had one yet costs ~20 NPS points (pain point); the welcome pack reaches ~6%; the
    store visit reaches ~0.5% (~15 experiencers at 3000 respondents: insufficient data); the first bill moves
    from ``raise`` to ``amplify`` in Q2 after a billing redesign. Beside NPS, each wave has the yes/no outcomes
    Retention and Cross-sell (``DEMO_OUTCOMES``) with drivers of their own (``_OUTCOME_DRIVERS``,
    ``PlantedTruth.outcome_quadrants``).
    The truth holds at the default size; far fewer respondents per wave make recovery noisy.
    """
    children = np.random.SeedSequence(seed).spawn(len(_WAVES))
    waves = []
    for index, ((name, start, end), child) in enumerate(zip(_WAVES, children, strict=True)):
        frame, outcomes = _wave_frame(np.random.default_rng(child), respondents_per_wave, index, start, end)
        waves.append(DemoWave(name=name, period_start=start, period_end=end, frame=frame, outcomes=outcomes))
    truth = PlantedTruth(
        quadrants={
            name: {slug: pair[index] for slug, pair in _BROADBAND_QUADRANTS.items()}
            for index, (name, _, _) in enumerate(_WAVES)
        },
        pain_points={p.moment.slug for p in _BROADBAND if max(p.occurrence) < 0},
        low_reach={p.moment.slug: p.reach for p in _BROADBAND if p.reach < 0.1},
        movers={slug: pair for slug, pair in _BROADBAND_QUADRANTS.items() if pair[0] != pair[1]},
        outcome_quadrants={
            outcome: {
                name: {slug: pair[index] for slug, pair in planted.items()} for index, (name, _, _) in enumerate(_WAVES)
            }
            for outcome, planted in _OUTCOME_QUADRANTS.items()
        },
    )
    return DemoJourney(
        name="Broadband",
        slug="broadband",
        description="From ordering a home broadband subscription to renewing it.",
        moments=[p.moment for p in _BROADBAND],
        waves=waves,
        truth=truth,
    )


W1_PERIOD = (date(2026, 1, 1), date(2026, 3, 31))


def generate_w1_csv(path: str | Path, *, n: int = 1_000_000, k: int = 25, seed: int = 1, chunk: int = 100_000) -> Path:
    """Write benchmark workload W1 (DESIGN.md section 8) to ``path`` and return it.

    Header (comma-separated, UTF-8, ``\\n`` line ends, nothing quoted)::

        respondent_id,submitted_at,ltr,region,plan,moment_01,...,moment_<k>

    - ``respondent_id``: ``W1-0000001`` ... (7 digits; unique);
    - ``submitted_at``: ISO 8601 UTC instant ``2026-01-01 00:00:00Z`` (space separator, as RFC 3339 allows),
      spread over 2026 Q1 and increasing with the respondent id;
    - ``ltr``: likelihood to recommend, integer 0-10;
    - ``region`` (North/South/East/West), ``plan`` (Basic/Fibre/Premium): the two segment columns;
    - ``moment_01`` ... ``moment_<k>``: rating, integer 1-10, empty cell = not experienced (about 30% of cells;
      reach varies by moment between ~0.45 and ~0.95).

    Same model as `generate_broadband` (common factor, per-moment satisfaction and impact drawn from the seed), so
    the analysis finds real structure. At the defaults the file has 1,000,000 rows and is about 90 MB.
    Memory stays bounded by ``chunk`` rows; the output is deterministic for (seed, chunk).
    """
    import pyarrow as pa  # only the benchmark needs it; the demo stays numpy/pandas
    import pyarrow.csv as pacsv

    if n < 1 or k < 1 or chunk < 1:
        raise ValueError(f"n, k and chunk must be positive (got n={n}, k={k}, chunk={chunk})")
    path = Path(path)
    root = np.random.SeedSequence(seed)
    params_ss, *chunk_ss = root.spawn(1 + -(-n // chunk))
    prng = np.random.default_rng(params_ss)
    reach = prng.uniform(0.45, 0.95, size=k)
    reach *= 0.70 / reach.mean()
    # Skewed impacts (a few moments matter, most don't), scaled so the drivers explain an LTR variance of ~3,
    # as in the Broadband journey.
    weight = prng.gamma(1.0, 1.0, size=k)
    weight *= np.sqrt(3.0 / ((1 - _RHO) * (weight**2).sum() + _RHO * weight.sum() ** 2))
    moment_plans = {
        "reach": reach,
        "mu": prng.uniform(4.5, 8.8, size=k),
        "sd": np.full(k, 1.5),
        "weight": weight,
        "occurrence": np.full(k, _ENGAGEMENT * 5 / k),  # the same total bonus as ~5 Broadband moments
        "rho": np.full(k, _RHO),
    }

    moment_names = [f"moment_{j:02d}" for j in range(1, k + 1)]
    names = ["respondent_id", "submitted_at", "ltr", "region", "plan", *moment_names]
    regions, plans = pa.array(REGIONS), pa.array(PLANS)
    start, end = W1_PERIOD
    options = pacsv.WriteOptions(quoting_style="none", quoting_header="none", batch_size=8192)

    writer = None
    try:
        for c, ss in enumerate(chunk_ss):
            rng = np.random.default_rng(ss)
            lo, hi = c * chunk, min(n, (c + 1) * chunk)
            drawn = _respondents(rng, hi - lo, moment_plans)
            seconds = _seconds(rng, hi - lo, start, end, lo, hi, n)
            columns = [
                pa.array(_ids("W1-", lo + 1, hi, 7)),
                pa.array(seconds).cast(pa.timestamp("s", tz="UTC")),
                pa.array(drawn["ltr"].astype(np.int8)),
                regions.take(pa.array(drawn["region"])),
                plans.take(pa.array(drawn["plan"])),
            ]
            ratings = drawn["ratings"].astype(np.int8)
            columns += [pa.array(ratings[:, j], mask=~drawn["experienced"][:, j]) for j in range(k)]
            table = pa.Table.from_arrays(columns, names=names)
            if writer is None:
                writer = pacsv.CSVWriter(path, table.schema, write_options=options)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return path
