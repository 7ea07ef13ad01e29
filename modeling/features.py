"""Naming contract between the schema-driven Transform and the model built on its output.

The transformed feature names carry their kind, so the model builder (and any later search
space) can tell numeric, categorical and missing-indicator inputs apart from the transformed
schema alone, with no side channel.
"""

LABEL_KEY = "__label__"
NUMERIC_SUFFIX = "__z"
MISSING_SUFFIX = "__missing"
CATEGORICAL_SUFFIX = "__id"
LABEL_VOCABULARY = "__label_vocabulary__"


def numeric_name(feature: str) -> str:
    return feature + NUMERIC_SUFFIX


def missing_name(feature: str) -> str:
    return feature + MISSING_SUFFIX


def categorical_name(feature: str) -> str:
    return feature + CATEGORICAL_SUFFIX


def is_categorical(transformed_name: str) -> bool:
    return transformed_name.endswith(CATEGORICAL_SUFFIX)


def raw_name(transformed_name: str) -> str:
    """The CSV column a transformed feature was made from."""
    for suffix in (NUMERIC_SUFFIX, MISSING_SUFFIX, CATEGORICAL_SUFFIX):
        if transformed_name.endswith(suffix):
            return transformed_name[: -len(suffix)]
    return transformed_name
