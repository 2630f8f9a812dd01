"""Random values that add up to a published total exactly.

The demo must reproduce the newspaper's aggregates to the last digit (549 projects, 5430 亿元 …),
so every calibrated quantity is drawn at random and then allocated in integer hundredths: the sum
is exact by construction, not by floating-point luck.
"""

from __future__ import annotations

import numpy as np

HUNDREDTHS = 100


def allocate(
    n: int,
    total: float,
    rng: np.random.Generator,
    *,
    lo: float | np.ndarray,
    hi: float | np.ndarray,
    sigma: float = 0.8,
    step: float = 0.1,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """``n`` values in ``[lo, hi]`` (multiples of ``step`` but for one) whose sum is ``total``.

    ``lo``/``hi`` may be per-item arrays (e.g. an annual plan never above the project's total).

    Values follow a lognormal spread (or ``weights`` if given, e.g. proportional to investment).
    Raises ``ValueError`` when the bounds make the total impossible, so a bad calibration fails
    at build time instead of producing a store with the wrong headline numbers.
    """
    if n == 0:
        if abs(total) > 1e-9:
            raise ValueError(f"cannot allocate {total} over zero items")
        return np.zeros(0)
    target = int(round(total * HUNDREDTHS))
    lo_u = np.broadcast_to(np.round(np.asarray(lo, float) * HUNDREDTHS), n).astype(np.int64)
    hi_u = np.broadcast_to(np.round(np.asarray(hi, float) * HUNDREDTHS), n).astype(np.int64)
    step_u = int(round(step * HUNDREDTHS))
    if not lo_u.sum() <= target <= hi_u.sum():
        raise ValueError(f"{n} values in [{lo}, {hi}] cannot sum to {total}")
    raw = np.asarray(weights, float) if weights is not None else rng.lognormal(0.0, sigma, n)
    # Spread the excess over the lower bound, so a group like "16 projects of 100 亿 or more"
    # gets a natural tail instead of a pile of values clipped at exactly 100.
    values = lo_u + _water_fill(raw, target - int(lo_u.sum()), 0, hi_u - lo_u)
    units = np.clip(np.floor(values / step_u) * step_u, lo_u, hi_u).astype(np.int64)
    return _settle(units.copy(), target, lo_u, hi_u, step_u, values, rng) / HUNDREDTHS


def _water_fill(raw: np.ndarray, target: int, lo_u, hi_u) -> np.ndarray:
    """Scale ``raw`` to sum to ``target`` while respecting bounds (clip, rescale the free part)."""
    if target == 0 or raw.sum() == 0:
        return np.zeros(len(raw))
    values = raw / raw.sum() * target
    for _ in range(100):
        clipped = np.clip(values, lo_u, hi_u)
        free = (clipped > lo_u) & (clipped < hi_u)
        gap = target - clipped.sum()
        if abs(gap) < 1e-6 or not free.any():
            return clipped
        values = clipped.copy()
        values[free] *= 1 + gap / clipped[free].sum()
    return np.clip(values, lo_u, hi_u)


def _settle(units, target, lo_u, hi_u, step_u, ideal, rng) -> np.ndarray:
    """Hand out the rounding residual one step at a time, largest shortfall first."""
    residual = target - int(units.sum())
    order = np.argsort(-(ideal - units) + rng.random(len(units)) * 1e-6)
    i = 0
    while residual >= step_u:
        k = order[i % len(units)]
        if units[k] + step_u <= hi_u[k]:
            units[k] += step_u
            residual -= step_u
        i += 1
        if i > 100 * len(units):
            break
    while residual <= -step_u:
        k = order[::-1][i % len(units)]
        if units[k] - step_u >= lo_u[k]:
            units[k] -= step_u
            residual += step_u
        i += 1
        if i > 200 * len(units):
            break
    if residual:  # a total that is not a multiple of step: one value takes the odd hundredths
        for k in order:
            if lo_u[k] <= units[k] + residual <= hi_u[k]:
                units[k] += residual
                residual = 0
                break
    if residual or int(units.sum()) != target:
        raise ValueError("allocation could not reach the exact total within the bounds")
    return units
