"""The KPI catalogue, ``templates/kpis.yaml``: what each KPI means and its default target."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from cxnb.errors import ConfigError
from cxnb.paths import template

__all__ = ["KpiDefinition", "load_catalogue"]


class KpiDefinition(BaseModel):
    """One catalogue entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    definition: str
    formula: str
    table: Literal["responses", "tickets", "transactions"]
    scale: str
    unit: str
    direction: Literal["higher", "lower"]
    default_target: float


@cache
def _catalogue(path: Path) -> dict[str, KpiDefinition]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return {key: KpiDefinition.model_validate(entry) for key, entry in data.items()}
    except ValidationError as exc:
        raise ConfigError(f"{path}: KPI catalogue entry is malformed: {exc}") from None


def load_catalogue(path: str | Path | None = None) -> dict[str, KpiDefinition]:
    """KPI id → definition, from ``templates/kpis.yaml`` unless ``path`` is given.

    >>> catalogue = load_catalogue()
    >>> catalogue["nps"].direction, catalogue["churn"].direction
    ('higher', 'lower')
    """
    return _catalogue(Path(path) if path else template("kpis.yaml"))
