"""Small helpers shared by the demo generators."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np


def random_dates(rng: np.random.Generator, start: date, end: date, n: int) -> np.ndarray:
    """``n`` uniformly drawn dates in ``[start, end]`` as an object array of ``datetime.date``."""
    span = (end - start).days
    if span < 0:
        raise ValueError(f"empty date range {start} .. {end}")
    offsets = rng.integers(0, span + 1, n)
    days = np.datetime64(start, "D") + offsets.astype("timedelta64[D]")
    return days.astype(object)


def add_days(day: date, n: int) -> date:
    return day + timedelta(days=int(n))
