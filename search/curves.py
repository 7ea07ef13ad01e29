"""Learning-curve extrapolation: stop a trial whose curve will not beat the best.

After Domhan, Springenberg & Hutter 2015 ("Speeding up Automatic Hyperparameter Optimization of
Deep Neural Networks by Extrapolation of Learning Curves"), reduced to what tens of epochs can
support: an ensemble of parametric families, each fitted by least squares to the running best
of the validation loss, weighted by BIC (a family with more parameters must fit better to
count), its predictive spread the fit's residual error plus the disagreement between families.
Domhan et al. sample the ensemble with MCMC; at 3-30 points the closed form is as good and
takes milliseconds instead of seconds per epoch.

Every family decreases to an asymptote ``c`` (losses fall and flatten); the running best can
only fall, so no prediction is above the value already reached. The decision is deliberately
one-sided: a trial is stopped only when the probability that it ends below the best so far is
under the threshold, and never before ``min_epochs`` points exist to fit.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit
from scipy.stats import norm

from search.space import Vector

SLOPE_SHARE = 0.5  # least uncertainty: this share of the fall the recent slope extrapolates


def _pow3(t: Vector, c: float, a: float, alpha: float) -> Vector:
    value: Vector = c + a * np.power(t, -alpha)
    return value


def _exp3(t: Vector, c: float, a: float, b: float) -> Vector:
    value: Vector = c + a * np.exp(-b * t)
    return value


def _ilog2(t: Vector, c: float, a: float) -> Vector:
    value: Vector = c + a / np.log(t + 1.0)
    return value


def _mmf(t: Vector, c: float, a: float, b: float, d: float) -> Vector:
    value: Vector = c + a / (1.0 + np.power(b * t, d))
    return value


def _janoschek(t: Vector, c: float, a: float, b: float, d: float) -> Vector:
    value: Vector = c + a * np.exp(-b * np.power(t, d))
    return value


@dataclass(frozen=True)
class Family:
    name: str
    function: Callable[..., Vector]
    n_params: int
    # Initial guess and bounds, as functions of the curve's last value and its range.
    initial: Callable[[float, float], list[float]]
    bounds: Callable[[float, float], tuple[list[float], list[float]]]


def _asymptote_bounds(extra: int) -> Callable[[float, float], tuple[list[float], list[float]]]:
    """c may lie anywhere from well below the curve to its last value; the rest positive."""

    def bounds(last: float, span: float) -> tuple[list[float], list[float]]:
        low_c = last - 10.0 * span - 1e-9
        return [low_c, 0.0, *([0.0] * extra)], [last, 100.0 * span + 1e-9, *([50.0] * extra)]

    return bounds


FAMILIES: tuple[Family, ...] = (
    Family(
        "pow3", _pow3, 3, lambda last, span: [last - span, 2 * span, 1.0], _asymptote_bounds(1)
    ),
    Family(
        "exp3", _exp3, 3, lambda last, span: [last - 0.1 * span, span, 0.5], _asymptote_bounds(1)
    ),
    Family("ilog2", _ilog2, 2, lambda last, span: [last - span, span], _asymptote_bounds(0)),
    Family(
        "mmf",
        _mmf,
        4,
        lambda last, span: [last - 0.5 * span, span, 0.5, 1.0],
        _asymptote_bounds(2),
    ),
    Family(
        "janoschek",
        _janoschek,
        4,
        lambda last, span: [last - 0.5 * span, span, 0.5, 1.0],
        _asymptote_bounds(2),
    ),
)


@dataclass(frozen=True)
class Forecast:
    """Where a curve is heading: the ensemble's mean at the horizon and the probability that
    the final value is below ``target``."""

    predicted: float
    probability: float
    families: dict[str, float]  # each family's prediction, for the study record


def running_best(curve: Sequence[float]) -> Vector:
    values = np.asarray(curve, dtype=float)
    values = np.where(np.isfinite(values), values, np.inf)
    return np.minimum.accumulate(values)


def forecast(curve: Sequence[float], horizon: int, target: float) -> Forecast | None:
    """The forecast at epoch ``horizon`` (1-based) of a loss curve; None if nothing fits."""
    y = running_best(curve)
    if not np.all(np.isfinite(y)):
        return None
    n = len(y)
    t = np.arange(1, n + 1, dtype=float)
    last = float(y[-1])
    span = float(max(y[0] - y[-1], 1e-3 * max(abs(last), 1.0)))
    noise_floor = 1e-3 * span
    fits: list[tuple[str, float, float, float]] = []  # name, bic, sigma, prediction
    for family in FAMILIES:
        # An exact fit says nothing about the future: two points more than parameters for
        # the four-parameter families (whose fits also cost ten times more).
        if n < family.n_params + (2 if family.n_params > 3 else 1):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                warnings.simplefilter("ignore", RuntimeWarning)
                params, _ = curve_fit(
                    family.function,
                    t,
                    y,
                    p0=family.initial(last, span),
                    bounds=family.bounds(last, span),
                    maxfev=300,
                )
                fitted = family.function(t, *params)
                predicted = float(family.function(float(horizon), *params))
        except (RuntimeError, ValueError):
            continue
        if not (np.all(np.isfinite(fitted)) and math.isfinite(predicted)):
            continue
        sse = float(np.sum((fitted - y) ** 2))
        mse = max(sse / n, noise_floor**2)
        sigma = math.sqrt(max(sse / (n - family.n_params), noise_floor**2))
        bic = n * math.log(mse) + family.n_params * math.log(n)
        fits.append((family.name, bic, sigma, min(predicted, last)))
    if not fits:
        return None
    bics = np.array([f[1] for f in fits])
    weights = np.exp(-0.5 * (bics - bics.min()))
    weights /= weights.sum()
    means = np.array([f[3] for f in fits])
    mean = float(weights @ means)
    disagreement = float(math.sqrt(weights @ (means - mean) ** 2))
    # Extrapolating further than the curve is long is less certain, in proportion; and no
    # forecast is surer than a fraction of the fall the recent slope would give if it went on
    # (a curve still falling fast has not shown its asymptote yet).
    reach = max(1.0, (horizon - n) / n)
    recent_slope = (y[-min(n, 3)] - y[-1]) / max(min(n, 3) - 1, 1)
    floor = SLOPE_SHARE * recent_slope * (horizon - n)
    sigmas = np.maximum(np.array([f[2] for f in fits]) * math.sqrt(reach), floor)
    scales = np.sqrt(sigmas**2 + disagreement**2)
    probability = float(weights @ norm.cdf((target - means) / scales))
    return Forecast(mean, probability, {f[0]: f[3] for f in fits})


@dataclass(frozen=True)
class CurveStopping:
    """The stopping rule: after ``min_epochs``, stop when P(final < best) < ``threshold``."""

    threshold: float = 0.05
    min_epochs: int = 3

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"curve-stopping threshold {self.threshold} must be in (0, 1)")
        if self.min_epochs < 2:
            raise ValueError(f"curve stopping needs min_epochs >= 2, not {self.min_epochs}")

    def check(self, curve: Sequence[float], horizon: int, target: float | None) -> Forecast | None:
        """The forecast that justifies stopping now, or None to keep training."""
        if target is None or not math.isfinite(target):
            return None
        if len(curve) < self.min_epochs or len(curve) >= horizon:
            return None
        prediction = forecast(curve, horizon, target)
        if prediction is None or prediction.probability >= self.threshold:
            return None
        return prediction
