"""The numeric features' drift and skew measure: a Kolmogorov-Smirnov distance between two
samples, read from the quantiles histograms TFDV's statistics already hold.

TFDV's own numeric comparator, an approximate Jensen-Shannon divergence, compares its
equal-width histograms, whose buckets span min to max: one outlier (a 1,710-mile taxi trip)
puts nearly every row in the first bucket of one sample and not of the other, and a pixel
that is almost always 0 has buckets of no width. On same-population re-splits it gave 0.4
to 1.0 at any size on such columns (bench/results/gate_calibration.md), so no threshold
could both pass healthy data and catch a real shift. The largest gap between two cumulative
distributions does not care about tails or ties, shrinks with the rows as sqrt(1/n1 + 1/n2),
and reads directly: 0.2 means a fifth of the rows moved across some value (half a standard
deviation of a normal feature is 0.2). Read from quantiles, a discrete column's steps blur
by up to one bucket's share of the rows: the pipeline asks StatisticsGen for 100 buckets.
"""

from __future__ import annotations

from collections.abc import Sequence

from tensorflow_metadata.proto.v0 import statistics_pb2

KS = "Kolmogorov-Smirnov distance"
_QUANTILES = statistics_pb2.Histogram.QUANTILES


def quantile_buckets(feature: statistics_pb2.FeatureNameStatistics) -> list | None:
    """A numeric feature's quantiles histogram (equal-mass buckets), or None."""
    if not feature.HasField("num_stats"):
        return None
    for histogram in feature.num_stats.histograms:
        if histogram.type == _QUANTILES and histogram.buckets:
            return list(histogram.buckets)
    return None


def cdf(buckets: Sequence, x: float) -> float:
    """The share of the sample at or below ``x`` (linear within a bucket)."""
    total = sum(b.sample_count for b in buckets) or 1.0
    below = 0.0
    for bucket in buckets:
        if bucket.high_value <= x:
            below += bucket.sample_count
        elif bucket.low_value < x:
            share = (x - bucket.low_value) / (bucket.high_value - bucket.low_value)
            below += bucket.sample_count * share
    return below / total


def ks_distance(a: Sequence, b: Sequence) -> float:
    """The largest gap between the two samples' cumulative distributions, at the inner
    bucket edges of both (the outer ones are the samples' extremes, which say the least)."""
    edges = {bucket.high_value for bucket in [*a[:-1], *b[:-1]]}
    return max((abs(cdf(a, x) - cdf(b, x)) for x in edges), default=0.0)


def ks_distances(
    base: statistics_pb2.DatasetFeatureStatisticsList,
    other: statistics_pb2.DatasetFeatureStatisticsList,
    features: set[str],
) -> dict[str, float]:
    """The distance per numeric feature of ``features`` present in both samples."""

    def histograms(stats: statistics_pb2.DatasetFeatureStatisticsList) -> dict[str, list]:
        found = {}
        for feature in stats.datasets[0].features if stats.datasets else []:
            name = ".".join(feature.path.step) or feature.name
            if name in features and (buckets := quantile_buckets(feature)):
                found[name] = buckets
        return found

    mine, theirs = histograms(base), histograms(other)
    return {name: ks_distance(mine[name], theirs[name]) for name in mine if name in theirs}
