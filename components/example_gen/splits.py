"""Which output split a record goes to: TFX's rule (base_example_gen_executor._PartitionFn),
applied to a block of records at once instead of one Beam element per record.

TFX hashes each record's deterministic serialization (or one feature's, with
``partition_feature_name``) with SHA-256 and cuts the hash modulo the total bucket count at the
splits' cumulative buckets. The same arithmetic here gives every record the split TFX would
(tests/unit/test_example_gen.py runs both executors on the same files).
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass

import tensorflow as tf
from tfx.proto import example_gen_pb2


@dataclass(frozen=True)
class SplitRule:
    """``bounds``: the splits' cumulative hash buckets (none: every record to split 0, an
    input split written as it is). ``feature``: hash this feature instead of the record."""

    bounds: tuple[int, ...] = ()
    feature: str | None = None

    @classmethod
    def of(cls, config: example_gen_pb2.SplitConfig) -> SplitRule:
        bounds, total = [], 0
        for split in config.splits:
            total += split.hash_buckets
            bounds.append(total)
        feature = (
            config.partition_feature_name if config.HasField("partition_feature_name") else None
        )
        return cls(tuple(bounds), feature)

    def split_of(self, example: tf.train.Example, record: bytes) -> int:
        """The index of the split ``record`` (``example`` serialized deterministically) goes to."""
        if not self.bounds:
            return 0
        key = record if self.feature is None else self._feature_key(example)
        bucket = int.from_bytes(hashlib.sha256(key).digest(), "big") % self.bounds[-1]
        return bisect.bisect(self.bounds, bucket)

    def _feature_key(self, example: tf.train.Example) -> bytes:
        features = example.features.feature
        if self.feature not in features:
            raise RuntimeError(f"Feature name `{self.feature}` does not exist.")
        feature = features[self.feature]
        if not feature.HasField("bytes_list") and not feature.HasField("int64_list"):
            raise RuntimeError(
                "Only `bytes_list` and `int64_list` features are supported for partition."
            )
        return feature.SerializeToString(deterministic=True)
