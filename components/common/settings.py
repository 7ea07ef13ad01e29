"""What every component's settings model shares: strict (an unknown key or a yes/no where a
number is meant is an error, not a default or a 1) and frozen; ``ConfigError`` is a bad
setting in one line. Each component owns its settings model beside its code (e.g.
components/tuner/settings.py); pipeline/definition/config.py composes them into the one config
object, and an executor validates the settings it is handed with the same model."""

from __future__ import annotations

from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

Settings = TypeVar("Settings", bound=BaseModel)


class ConfigError(ValueError):
    """A configuration that cannot be used; the message is one line, fit for a terminal."""


class StrictSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_flag_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        """YAML's ``true`` where a number is meant is a slip, not 1 (pydantic's lax mode)."""
        if isinstance(value, bool) and info.field_name is not None:
            annotation = cls.model_fields[info.field_name].annotation
            if annotation is not bool and bool not in get_args(annotation):
                shown = str(value).lower()
                raise ValueError(f"a yes/no ({shown}) where a number or a name is meant")
        return value


def one_line(error: ValidationError, section: str = "") -> str:
    """A pydantic error as one line, each problem at its dotted place in the config."""
    parts = []
    for item in error.errors():
        where = ".".join([section, *(str(p) for p in item["loc"])] if section else
                         [str(p) for p in item["loc"]]) or "config"  # fmt: skip
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "invalid configuration: " + "; ".join(parts)


def validated(model: type[Settings], values: Any, section: str) -> Settings:
    """``values`` as the component's settings, or ConfigError in one line: what an executor
    is handed was validated when the config was read, but a compiled pipeline's parameters
    can be edited in the KFP UI, and an executor trusts nothing it did not check."""
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise ConfigError(one_line(error, section)) from None
