"""Fitting what a scenario controls to an order history, each value with a confidence
interval (95 % unless asked otherwise) and how it was estimated.

- **Intake** per offering and order type: the count over the history's span, an exact
  Poisson interval; per offering with at least :data:`MIN_PROFILE_ORDERS` orders, an
  hour-of-day and a day-of-week profile (each kept only when Pearson's chi-square test
  rejects a flat one at 1 %), every multiplier with a Bonferroni-adjusted interval, and
  the rate then per day of the profile's average week.
- **Appointment lead time** (booked to due): uniform, log-normal or exponential, the
  one with the lowest AIC of scipy's maximum-likelihood fits; the mean's t interval,
  and for a uniform its ends' order-statistic intervals.
- **Install duration**: a visit that installed took travel plus install; with travel as
  the base scenario says, install's mean and variance are the visits' less travel's
  (log-normal by moments).
- **No-show rate**: visits that found nobody home, of the visits that ended (Wilson).
- **Fallout per cause** (share of the orders each cause could hit, Wilson), and where a
  scenario parameter sets it, that parameter: ``address_not_found`` -> the
  unserviceable addresses among the base network's; ``element_error`` and ``timeout``
  on element kind K -> ``elements.K.error_rate`` and ``lost_answer_rate`` per request,
  by maximum likelihood of P(order falls out) = 1 - (1 - r^a)^k (a tries per request,
  k requests to K per order) with a profile-likelihood interval; ``customer_not_home``
  is the no-show rate above. Other causes (resource exhaustion, drift, outages) come from
  the network's design and its faults: their shares are reported, not fitted.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from scipy import stats as st

from om import Catalog
from sim.history import intervals
from sim.history.records import HistoryOrder
from sim.scenario.distributions import Constant
from sim.scenario.schema import Scenario

LEVEL = 0.95  # the confidence level of every interval, unless a caller asks another
MIN_PROFILE_ORDERS = 200  # fewer orders say little about 24 hourly multipliers
PROFILE_TEST_ALPHA = 0.01
DELIVERY = ("provide", "move")  # order types that order a new line (and its install)
_ELEMENT_FIELDS = {"element_error": "error_rate", "timeout": "lost_answer_rate"}
DAY_H = 24


@dataclass(frozen=True)
class Fitted:
    """One fitted value: ``value`` with its interval, from ``n`` observations, and how."""

    value: float
    low: float
    high: float
    n: int
    how: str

    def text(self, digits: int = 4) -> str:
        return (f"{self.value:.{digits}g} (CI {self.low:.{digits}g} .. "
                f"{self.high:.{digits}g}; {self.how}, n = {self.n:,})")


@dataclass(frozen=True)
class Profile:
    """A fitted hour-of-day and/or day-of-week profile, with each multiplier's interval
    and the chi-square tests against a flat one."""

    hourly: list[Fitted] | None
    daily: list[Fitted] | None
    hour_p: float
    day_p: float

    def as_scenario(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.hourly is not None:
            out["hourly"] = [round(float(f.value), 3) for f in self.hourly]
        if self.daily is not None:
            out["daily"] = [round(float(f.value), 3) for f in self.daily]
        return out


@dataclass(frozen=True)
class Stream:
    """An arrival stream: offering, order type, sites per order, its rate per day and
    its profile."""

    offering: str
    order_type: str
    sites: int
    rate_per_day: Fitted
    profile: str | None


@dataclass(frozen=True)
class DistributionFit:
    """A fitted duration: the scenario's distribution, its mean and its parameters."""

    dist: dict[str, Any]
    mean: Fitted
    parameters: dict[str, Fitted]
    note: str


@dataclass(frozen=True)
class ElementRate:
    """A per-request rate of element kind ``kind`` fitted from a fallout cause."""

    kind: str
    field: str
    cause: str
    rate: Fitted


@dataclass
class Calibration:
    """Everything fitted from one history."""

    start: datetime
    end: datetime
    orders: int
    streams: list[Stream] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)
    lead_days: DistributionFit | None = None
    install_min: DistributionFit | None = None
    no_show_rate: Fitted | None = None
    unserviceable: Fitted | None = None  # addresses
    element_rates: list[ElementRate] = field(default_factory=list)
    fallout_shares: dict[str, Fitted] = field(default_factory=dict)  # cause -> share
    warmup_days: float = 1.0
    level: float = LEVEL

    @property
    def span_days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400.0


def calibrate(orders: Sequence[HistoryOrder], catalog: Catalog, base: Scenario,
              serviceable_addresses: int, level: float = LEVEL) -> Calibration:
    """Fit everything the module describes, every interval at ``level``; ``base`` says
    travel and retries, ``serviceable_addresses`` how many addresses its network
    passes."""
    start = min(o.ordered for o in orders)
    end = max(max(o.ordered, o.ended or o.ordered) for o in orders)
    result = Calibration(start, end, len(orders), level=level)
    fit_intake(result, orders)
    result.lead_days = fit_lead_days(orders, level)
    result.install_min = fit_install_min(orders, base, level)
    result.no_show_rate = fit_no_show(orders, level)
    fit_fallout(result, orders, catalog, base, serviceable_addresses)
    result.warmup_days = warmup_days(orders)
    return result


# -- intake ----------------------------------------------------------------------------------

def fit_intake(result: Calibration, orders: Sequence[HistoryOrder]) -> None:
    """Streams per (offering, order type); a profile per offering with enough orders."""
    by_offering: dict[str, list[HistoryOrder]] = {}
    for o in orders:
        by_offering.setdefault(o.offering, []).append(o)
    hours = _hours(result.start, result.end)
    for offering in sorted(by_offering):
        mine = by_offering[offering]
        profile = None
        if len(mine) >= MIN_PROFILE_ORDERS:
            profile = fit_profile([o.ordered for o in mine], hours, result.level)
        weight = len(hours)  # hours of average intake the span holds (no profile: all)
        name = None
        if profile is not None and (profile.hourly or profile.daily):
            name = f"fitted {offering}"
            result.profiles[name] = profile
            weight = _profile_weight(profile, hours)
        kinds = Counter((o.order_type, o.items if o.order_type == "provide" else 1)
                        for o in mine)
        for (kind, sites), count in sorted(kinds.items()):
            rate, low, high = intervals.poisson_rate(count, weight / DAY_H, result.level)
            how = (f"{count:,} orders over {len(hours) / DAY_H:.1f} days"
                   + (", per day of the profile's average week" if name else ""))
            result.streams.append(Stream(offering, kind, sites,
                                         Fitted(rate, low, high, count, how), name))


def _hours(start: datetime, end: datetime) -> list[tuple[int, int, float]]:
    """The span hour by hour: (weekday, hour of day, share of that hour inside)."""
    out = []
    t = start.replace(minute=0, second=0, microsecond=0)
    while t < end:
        nxt = t + timedelta(hours=1)
        inside = (min(nxt, end) - max(t, start)).total_seconds() / 3600.0
        out.append((t.weekday(), t.hour, inside))
        t = nxt
    return out


def fit_profile(times: Sequence[datetime], hours: list[tuple[int, int, float]],
                level: float = LEVEL) -> Profile:
    """Hour-of-day and day-of-week multipliers of ``times`` over the span ``hours``."""
    exposure_h, exposure_d = np.zeros(24), np.zeros(7)
    for day, hour, inside in hours:
        exposure_h[hour] += inside
        exposure_d[day] += inside
    count_h = np.bincount([t.hour for t in times], minlength=24).astype(float)
    count_d = np.bincount([t.weekday() for t in times], minlength=7).astype(float)
    hourly, hour_p = _multipliers(count_h, exposure_h, level)
    daily, day_p = _multipliers(count_d, exposure_d, level)
    return Profile(hourly if hour_p < PROFILE_TEST_ALPHA else None,
                   daily if day_p < PROFILE_TEST_ALPHA else None, hour_p, day_p)


def _multipliers(counts: np.ndarray, exposure: np.ndarray, level: float
                 ) -> tuple[list[Fitted], float]:
    """Multipliers (intake per unit of exposure over the average), each with a
    Bonferroni-adjusted Garwood interval, and the chi-square test against flat."""
    seen = exposure > 0
    total, overall = counts.sum(), counts.sum() / exposure.sum()
    p = float(st.chisquare(counts[seen], total * exposure[seen] / exposure[seen].sum()).pvalue
              ) if seen.sum() > 1 else 1.0
    each = 1.0 - (1.0 - level) / len(counts)
    out = []
    for n, e in zip(counts, exposure, strict=True):
        if e <= 0:
            out.append(Fitted(1.0, 0.0, math.inf, 0, "not in the history's span"))
            continue
        rate, low, high = intervals.poisson_rate(int(n), e, each)
        out.append(Fitted(float(rate / overall), float(low / overall),
                          float(high / overall), int(n), f"Bonferroni {each:.4f} interval"))
    return out, p


def _profile_weight(profile: Profile, hours: list[tuple[int, int, float]]) -> float:
    """Hours of average intake the span holds under ``profile`` (its table normalised
    to a mean of 1 over the week, as a scenario does)."""
    hourly = [f.value for f in profile.hourly] if profile.hourly else [1.0] * 24
    daily = [f.value for f in profile.daily] if profile.daily else [1.0] * 7
    mean = sum(hourly) / 24 * sum(daily) / 7
    return sum(inside * hourly[h] * daily[d] / mean for d, h, inside in hours)


# -- visits ----------------------------------------------------------------------------------

def fit_lead_days(orders: Sequence[HistoryOrder], level: float = LEVEL
                  ) -> DistributionFit | None:
    """Booked -> due of every visit that has both, in days (see the module)."""
    leads = [(v.due - v.booked).total_seconds() / 86400.0 for o in orders for v in o.visits
             if v.due is not None and v.booked is not None]
    if len(leads) < 10:
        return None
    data = np.array(leads)
    mean = Fitted(*intervals.mean(leads, level), len(leads), "t interval")
    if data.max() - data.min() < 1e-9:
        return DistributionFit({"dist": "constant", "value": round(float(data[0]), 4)},
                               mean, {}, "every lead time the same")
    fits = _candidate_fits(data)
    family, aic = min(fits.items(), key=lambda kv: kv[1][0])[0], fits
    table = ", ".join(f"{f} {a[0]:.1f}" for f, a in sorted(aic.items(), key=lambda kv: kv[1][0]))
    note = f"{family} by maximum likelihood, lowest AIC of {table}"
    return DistributionFit(fits[family][1], mean, _parameters(family, data, level), note)


def _candidate_fits(data: np.ndarray) -> dict[str, tuple[float, dict[str, Any]]]:
    """AIC and scenario distribution of each candidate family fitted to ``data``."""
    out: dict[str, tuple[float, dict[str, Any]]] = {}
    loc, scale = st.uniform.fit(data)
    out["uniform"] = (4 - 2 * float(st.uniform.logpdf(data, loc, scale).sum()),
                      {"dist": "uniform", "low": round(float(loc), 4),
                       "high": round(float(loc + scale), 4)})
    positive = data[data > 0]
    if positive.size == data.size:
        shape, _, lscale = st.lognorm.fit(data, floc=0)
        m = float(lscale * math.exp(shape ** 2 / 2))
        sd = m * math.sqrt(math.exp(shape ** 2) - 1)
        out["lognormal"] = (4 - 2 * float(st.lognorm.logpdf(data, shape, 0, lscale).sum()),
                            {"dist": "lognormal", "mean": round(m, 4), "sd": round(sd, 4)})
        _, escale = st.expon.fit(data, floc=0)
        out["exponential"] = (2 - 2 * float(st.expon.logpdf(data, 0, escale).sum()),
                              {"dist": "exponential", "mean": round(float(escale), 4)})
    return out


def _parameters(family: str, data: np.ndarray, level: float) -> dict[str, Fitted]:
    """The chosen family's parameters with intervals (a uniform's ends; else none
    beyond the mean's)."""
    if family != "uniform":
        return {}
    (low_lo, low_hi), (high_lo, high_hi) = intervals.uniform_ends(list(data), level)
    n = len(data)
    return {"low": Fitted(float(data.min()), low_lo, low_hi, n, "order statistic"),
            "high": Fitted(float(data.max()), high_lo, high_hi, n, "order statistic")}


def fit_install_min(orders: Sequence[HistoryOrder], base: Scenario, level: float = LEVEL
                    ) -> DistributionFit | None:
    """Install minutes: installed visits' durations less the base scenario's travel."""
    minutes = [(v.ended - v.started).total_seconds() / 60.0 for o in orders for v in o.visits
               if v.installed and v.started is not None and v.ended is not None]
    if len(minutes) < 10:
        return None
    travel = base.workforce.travel_min
    centre, low, high = intervals.mean(minutes, level)
    shift = travel.mean
    mean = Fitted(centre - shift, low - shift, high - shift, len(minutes),
                  f"visits' mean less travel's {shift:g} min, t interval")
    variance = float(np.var(minutes, ddof=1)) - travel.variance
    note = f"log-normal by moments; travel {travel.model_dump()} from the base scenario"
    if mean.value <= 0:
        return None
    if variance <= 0:
        return DistributionFit(Constant(value=round(mean.value, 3)).model_dump(), mean, {},
                               "no spread beyond travel's: constant")
    sd = math.sqrt(variance)
    return DistributionFit({"dist": "lognormal", "mean": round(mean.value, 3),
                            "sd": round(sd, 3)}, mean, {}, note)


def fit_no_show(orders: Sequence[HistoryOrder], level: float = LEVEL) -> Fitted | None:
    """Visits that found nobody home, of the visits with an outcome."""
    ended = [v for o in orders for v in o.visits if v.outcome is not None]
    if not ended:
        return None
    home = sum(1 for v in ended if not v.installed)
    return Fitted(*intervals.proportion(home, len(ended), level), len(ended),
                  "visits, Wilson interval")


def warmup_days(orders: Sequence[HistoryOrder]) -> float:
    """Whole days at least as long as the 99th percentile of the cycle times: a
    simulation started empty is in its steady state by then."""
    cycles = [(o.ended - o.ordered).total_seconds() / 86400.0 for o in orders
              if o.ended is not None and o.state == "completed"]
    if not cycles:
        return 1.0
    return float(max(1, math.ceil(float(np.percentile(cycles, 99)))))


# -- fallout ---------------------------------------------------------------------------------

def fit_fallout(result: Calibration, orders: Sequence[HistoryOrder], catalog: Catalog,
                base: Scenario, serviceable_addresses: int) -> None:
    """Each cause's share of all orders; the parameters that set some of them."""
    n = len(orders)
    causes = Counter(o.fallout.cause for o in orders if o.fallout is not None)
    for cause, count in sorted(causes.items()):
        result.fallout_shares[cause] = Fitted(*intervals.proportion(count, n, result.level), n,
                                              "orders, Wilson interval")
    delivery = [o for o in orders if o.order_type in DELIVERY]
    if delivery and serviceable_addresses > 0:
        hit = sum(1 for o in delivery if o.fallout and o.fallout.cause == "address_not_found")
        share, low, high = intervals.proportion(hit, len(delivery), result.level)
        def count(s: float) -> float:
            return s * serviceable_addresses / (1.0 - s) if s < 1 else math.inf
        result.unserviceable = Fitted(
            count(share), count(low), count(high), len(delivery),
            f"share {share:.4g} of provide and move orders x {serviceable_addresses:,} "
            f"serviceable addresses / (1 - share)")
    for cause, field_name in _ELEMENT_FIELDS.items():
        for kind in sorted({o.fallout.element_kind for o in delivery if o.fallout
                            and o.fallout.cause == cause and o.fallout.element_kind}):
            rate = fit_request_rate(delivery, catalog, base, kind, cause, result.level)
            if rate is not None:
                result.element_rates.append(ElementRate(kind, field_name, cause, rate))


def fit_request_rate(delivery: Sequence[HistoryOrder], catalog: Catalog, base: Scenario,
                     kind: str, cause: str, level: float = LEVEL) -> Fitted | None:
    """A per-request failure rate r of element kind ``kind``, from the delivery orders
    that reached ROM: P(an order falls out with ``cause`` there) = 1 - (1 - r^a)^k."""
    tries = base.element_settings(kind).retry.attempts if base.order_management.retries else 1
    groups: Counter[tuple[int, bool]] = Counter()  # (requests to kind, fell out) -> orders
    for o in delivery:
        if o.fallout is not None and o.fallout.layer in ("COM", "SOM"):
            continue  # never reached the elements
        plan = catalog.offering(o.offering)
        k = sum(1 for c in plan.cfs for r in c.rfs if r.element == kind) if plan else 0
        if k:
            hit = (o.fallout is not None and o.fallout.cause == cause
                   and o.fallout.element_kind == kind)
            groups[(k, hit)] += 1
    if not groups:
        return None

    def log_likelihood(r: float) -> float:
        total = 0.0
        for (k, hit), count in groups.items():
            p = 1.0 - (1.0 - r ** tries) ** k
            total += count * intervals.clamp_log(p if hit else 1.0 - p)
        return total

    bounds = (0.0, 1.0)
    best = intervals.maximise(log_likelihood, bounds)
    low, high = intervals.likelihood_interval(log_likelihood, best, bounds, level)
    n = sum(groups.values())
    return Fitted(best, low, high, n, f"maximum likelihood, {tries} tries a request, "
                                      f"profile-likelihood interval")
