"""Client configuration: one YAML file per client, validated before anything runs.

The template with every key explained is ``templates/client.yaml``. Paths in a config
resolve relative to the folder holding the config file. Every error names the file, the
key and what was expected, and all errors of a file are reported together.

>>> from cxnb.config import slugify
>>> slugify("Café Ünïcode & Co.")
'cafe-unicode-co'
>>> slugify("../../etc/passwd")
'etc-passwd'
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zoneinfo
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cxnb.catalogue import load_catalogue
from cxnb.errors import ConfigError

__all__ = [
    "TABLES",
    "FORMATS",
    "ClientConfig",
    "Scale",
    "Precision",
    "Scales",
    "ServiceLevels",
    "Source",
    "Stage",
    "Journey",
    "Target",
    "Themes",
    "ChannelCosts",
    "PILLARS",
    "Change",
    "Action",
    "Backlog",
    "Maturity",
    "load_config",
    "slugify",
]

TABLES = ("customers", "responses", "reviews", "tickets", "events", "transactions")
FORMATS = ("csv", "tsv", "excel", "parquet", "qualtrics", "surveymonkey", "xes")

TableName = Literal["customers", "responses", "reviews", "tickets", "events", "transactions"]
Format = Literal["csv", "tsv", "excel", "parquet", "qualtrics", "surveymonkey", "xes"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_timezone(value: str | None) -> str | None:
    if value is None:
        return value
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}; expected an IANA name such as 'Europe/London' or 'UTC'")
    return value


def _existing_file(value: Path, info: ValidationInfo) -> Path:
    """A path of the config, resolved against the config file's folder; it must be a file."""
    base = (info.context or {}).get("base_dir")
    path = (Path(base) / value) if base is not None else value
    if base is not None and not path.is_file():
        raise ValueError(f"no file at {path} (paths resolve relative to the config file's folder)")
    return path


class Scale(_Model):
    """An inclusive integer scale, e.g. NPS 0–10."""

    min: int
    max: int

    @model_validator(mode="after")
    def _ordered(self):
        if self.min >= self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        return self

    @property
    def points(self) -> int:
        return self.max - self.min + 1


class Scales(_Model):
    """Declared scales of every score column."""

    nps: Scale = Scale(min=0, max=10)
    csat: Scale = Scale(min=1, max=5)
    ces: Scale = Scale(min=1, max=7)
    ces_higher_is_easier: bool = True
    ratings: Scale = Scale(min=1, max=10)
    review: Scale = Scale(min=1, max=5)

    def for_column(self, column: str) -> Scale | None:
        """The scale a canonical score column is checked against (None: not a score)."""
        if column.startswith("rating_"):
            return self.ratings
        return {"nps": self.nps, "csat": self.csat, "ces": self.ces}.get(column)


class Stage(_Model):
    """One designed journey stage."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    touchpoints: list[str] = []
    channels: list[str] = []
    themes: list[str] = []   # taxonomy themes whose mentions speak about this stage (emotion evidence)


class Journey(_Model):
    """Ordered stages and the event → stage map."""

    stages: list[Stage] = Field(min_length=1)
    event_stage_map: dict[str, str] = {}

    @model_validator(mode="after")
    def _consistent(self):
        ids = [s.id for s in self.stages]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"stage ids must be unique; repeated: {', '.join(repeated)}")
        unknown = sorted({v for v in self.event_stage_map.values() if v not in ids})
        if unknown:
            raise ValueError(
                f"event_stage_map points to unknown stage(s) {', '.join(unknown)}; expected one of {', '.join(ids)}"
            )
        return self

    @property
    def stage_ids(self) -> list[str]:
        return [s.id for s in self.stages]

    @property
    def stage_themes(self) -> dict[str, list[str]]:
        """Stage id → the themes mapped to it (stages without themes left out)."""
        return {s.id: list(s.themes) for s in self.stages if s.themes}


class Target(_Model):
    """A SMART KPI target: a value, a date and an owner."""

    target: float
    by: date
    owner: str = Field(min_length=1)


class ServiceLevels(_Model):
    """Service-level agreement thresholds for support tickets."""

    first_response_hours: float = Field(default=24, gt=0)
    resolution_hours: float = Field(default=72, gt=0)


class Precision(_Model):
    """Half-width of the 95% interval a KPI should reach: sample sizes are planned for it."""

    nps: float = Field(default=5, gt=0)          # NPS points
    proportion: float = Field(default=5, gt=0)   # percentage points (CSAT top-2-box, churn, FCR, ...)
    ces: float = Field(default=0.2, gt=0)        # points of the CES scale


class ChannelCosts(_Model):
    """What one contact through each channel costs the client (step 2's cost-to-serve), in the
    client's ``currency``."""

    per_contact: dict[str, float] = {}  # channel -> cost of one contact; channels left out have no cost

    @field_validator("per_contact")
    @classmethod
    def _not_negative(cls, value: dict[str, float]) -> dict[str, float]:
        negative = sorted(f"{k}: {v}" for k, v in value.items() if v < 0)
        if negative:
            raise ValueError(f"costs cannot be negative; got {', '.join(negative)}")
        return value


class Themes(_Model):
    """Which theme taxonomy of ``templates/themes.yaml`` applies, and the client's own words."""

    taxonomy: Literal["b2c", "b2b"] = "b2c"
    overrides: dict[str, dict[str, list[str] | None] | None] = {}


# Step 7: changes to measure, the CX maturity questionnaire, effort and owners of actions.
PILLARS = ("technology", "strategy", "people", "customer_service", "operations")
Pillar = Literal["technology", "strategy", "people", "customer_service", "operations"]


class Change(_Model):
    """A change to the experience whose impact step 7 measures: who got it, from when, on which KPIs."""

    name: str = Field(min_length=1)
    date: date
    column: str = Field(default="region", min_length=1)  # a column of responses, or of customers
    treated: list[str] = Field(min_length=1)
    control: list[str] = []  # empty: every other value of `column`
    kpis: list[Literal["nps", "csat", "ces_low_effort"]] = Field(default=["nps"], min_length=1)

    @model_validator(mode="after")
    def _disjoint(self):
        both = sorted(set(self.treated) & set(self.control))
        if both:
            raise ValueError(f"{', '.join(both)} cannot be both treated and control")
        return self


class Action(_Model):
    """What the client will do about one backlog subject, how much work it is and who owns it."""

    action: str | None = None
    effort: int | None = Field(default=None, ge=1, le=5)
    owner: str | None = None


class Backlog(_Model):
    """Effort (1 = days for one person … 5 = a programme over quarters) and owners of actions."""

    effort: int = Field(default=3, ge=1, le=5)
    owner: str | None = None
    actions: dict[str, Action] = {}


class Maturity(_Model):
    """The filled CX maturity questionnaire and the level the client aims for (1–5)."""

    questionnaire: Path
    target: float = Field(default=4, ge=1, le=5)
    pillar_targets: dict[Pillar, float] = {}

    @field_validator("questionnaire")
    @classmethod
    def _resolve(cls, value: Path, info: ValidationInfo) -> Path:
        return _existing_file(value, info)

    @field_validator("pillar_targets")
    @classmethod
    def _levels(cls, value: dict[str, float]) -> dict[str, float]:
        off = sorted(f"{k}: {v}" for k, v in value.items() if not 1 <= v <= 5)
        if off:
            raise ValueError(f"targets are levels from 1 to 5; got {', '.join(off)}")
        return value

    def target_for(self, pillar: str) -> float:
        """The target level of ``pillar`` (its own, else the overall one)."""
        return self.pillar_targets.get(pillar, self.target)


class Source(_Model):
    """Where one canonical table comes from and how to read it."""

    path: Path
    format: Format = "csv"
    encoding: str = "auto"
    delimiter: str = "auto"
    decimal: Literal["auto", ".", ","] = "auto"
    sheet: str | None = None
    timezone: str | None = None
    datetime_format: str | None = None
    columns: dict[str, str] = {}
    missing_codes: list[int | str] | dict[str, list[int | str]] = []
    na_values: list[str] = []

    @field_validator("path")
    @classmethod
    def _resolve(cls, value: Path, info: ValidationInfo) -> Path:
        return _existing_file(value, info)

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        if value != "auto":
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"unknown encoding {value!r}; expected 'auto' or a name such as 'utf-8', 'cp1252'")
        return value

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str) -> str:
        if value != "auto" and len(value) != 1:
            raise ValueError(f"delimiter must be 'auto' or one character, got {value!r}")
        return value

    _tz = field_validator("timezone")(_check_timezone)

    def codes_for(self, column: str) -> list:
        """Missing-value codes declared for ``column`` (a list applies to every score column)."""
        if isinstance(self.missing_codes, dict):
            return list(self.missing_codes.get(column, []))
        return list(self.missing_codes)


class ClientConfig(_Model):
    """A validated client configuration. Build it with :func:`load_config`."""

    name: str = Field(min_length=1)
    cycle: str | None = None
    seed: int = 0
    min_base: int = Field(default=30, ge=1)
    timezone: str = "UTC"
    scales: Scales = Scales()
    channels: list[str] = []
    journey: Journey | None = None
    kpis: dict[str, Target] = {}
    service_levels: ServiceLevels = ServiceLevels()
    precision: Precision = Precision()
    themes: Themes = Themes()
    churn_after_days: int = Field(default=90, ge=1)
    sources: dict[TableName, Source] = Field(min_length=1)
    previous_report: Path | None = None
    changes: list[Change] = []
    maturity: Maturity | None = None
    backlog: Backlog = Backlog()
    currency: str = ""  # shown before money amounts, e.g. "£", "$" or "EUR "
    channel_costs: ChannelCosts = ChannelCosts()

    _path: Path | None = PrivateAttr(default=None)

    _tz = field_validator("timezone")(_check_timezone)

    @field_validator("previous_report")
    @classmethod
    def _previous(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        base = (info.context or {}).get("base_dir")
        return value if value is None or base is None else Path(base) / value

    @field_validator("kpis")
    @classmethod
    def _known_kpis(cls, value: dict[str, Target]) -> dict[str, Target]:
        known = load_catalogue()
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError(f"unknown KPI(s) {', '.join(unknown)}; templates/kpis.yaml defines {', '.join(known)}")
        return value

    @model_validator(mode="after")
    def _cost_channels(self):
        unknown = sorted(set(self.channel_costs.per_contact) - set(self.channels))
        if unknown:
            raise ValueError(f"channel_costs.per_contact names channel(s) {', '.join(unknown)} not listed in "
                             f"`channels` ({', '.join(self.channels) or 'none listed'})")
        return self

    @model_validator(mode="after")
    def _stage_channels(self):
        if self.journey and self.channels:
            unknown = sorted({c for s in self.journey.stages for c in s.channels} - set(self.channels))
            if unknown:
                raise ValueError(
                    f"journey stages use channel(s) {', '.join(unknown)} not listed in `channels` "
                    f"({', '.join(self.channels)})"
                )
        return self

    @property
    def path(self) -> Path | None:
        """The file this config was read from (None when built in code)."""
        return self._path

    @property
    def slug(self) -> str:
        """Folder-safe name of the client, see :func:`slugify`."""
        return slugify(self.name)

    def source_timezone(self, table: str) -> str:
        """Time zone of naive timestamps in ``table``'s source."""
        return self.sources[table].timezone or self.timezone


def slugify(name: str) -> str:
    """Lower-case ASCII letters, digits and single dashes: safe as one folder name.

    Path separators, dots and anything else become dashes, so the result can never
    name a parent folder or leave the output folder.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    if not slug:
        raise ConfigError(f"client name {name!r} has no letters or digits to make a folder name from")
    return slug


def _key(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _explain(error: dict) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check the spelling against templates/client.yaml)"
    elif error["type"] == "missing":
        message = "required key is missing"
    elif error["type"] == "string_type" and isinstance(error.get("input"), bool):
        message += f" (YAML read an unquoted yes/no/on/off as {error['input']}; put the value in quotes)"
    elif error["type"] == "string_type" and isinstance(error.get("input"), int | float):
        message += f" (YAML read {error['input']!r} as a number; put the value in quotes to keep leading zeros)"
    return f"  - `{_key(error['loc'])}`: {message}"


def load_config(path: str | Path) -> ClientConfig:
    """Read and validate a client config file.

    Raises :class:`~cxnb.errors.ConfigError` listing every problem with its key.

    >>> from cxnb.paths import sample_dir
    >>> config = load_config(sample_dir("b2c") / "client.yaml")
    >>> config.slug, sorted(config.sources)[:2]
    ('brewline-coffee', ['customers', 'events'])
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"{path}:{where}: not valid plain YAML ({problem}); tags such as !!python/... are never executed"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys (name, sources, ...) at the top level")
    try:
        config = ClientConfig.model_validate(data, context={"base_dir": path.resolve().parent})
    except ValidationError as exc:
        lines = [_explain(e) for e in exc.errors()]
        raise ConfigError(f"{path}: {len(lines)} problem(s) in the client config:\n" + "\n".join(lines)) from None
    config._path = path
    return config
