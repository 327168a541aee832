"""Chart builders and the kit's altair theme.

Every builder takes ``title`` as a required keyword, draws the interval of every figure that
has one, and marks figures whose base is below the minimum instead of hiding the flag.
Builders only take frames; they never load data. Registering the theme does not enable it:
:func:`use_theme` does, once, from the notebook's setup.

>>> import pandas as pd
>>> frame = pd.DataFrame({"group": ["chat", "phone"], "n": [120, 12], "value": [31.0, -5.0],
...                       "ci_low": [18.5, -40.2], "ci_high": [42.1, 30.7], "flag": ["", "insufficient_base"]})
>>> spec = kpi_dots(frame, title="NPS by channel", category="group", target=30).to_dict()
>>> spec["title"]
'NPS by channel'
"""

from __future__ import annotations

import altair as alt
import pandas as pd

__all__ = ["THEME", "use_theme", "kpi_dots", "kpi_trend"]

THEME = "cxnb"
_INK, _ACCENT, _MUTED, _TARGET = "#1f2933", "#2563eb", "#9aa5b1", "#d97706"
_FLAGGED = "insufficient_base"


@alt.theme.register(THEME, enable=False)
def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": "Helvetica, Arial, sans-serif",
            "view": {"stroke": None, "continuousWidth": 520, "continuousHeight": 260},
            "title": {"anchor": "start", "fontSize": 15, "color": _INK, "subtitleColor": _MUTED},
            "axis": {"labelColor": _INK, "titleColor": _INK, "gridColor": "#e4e7eb", "domainColor": _MUTED},
            "range": {"category": [_ACCENT, "#059669", "#dc2626", _TARGET, "#7c3aed", "#0891b2", "#db2777"]},
            "point": {"filled": True, "size": 70},
        }
    }


def use_theme() -> None:
    """Make the kit's theme the active altair theme."""
    alt.theme.enable(THEME)


def _plain(frame: pd.DataFrame, numbers: list[str]) -> pd.DataFrame:
    """A copy safe to serialise: nullable numbers as floats, a readable base label."""
    out = frame.copy()
    for column in numbers:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    flags = out["flag"].fillna("") if "flag" in out else pd.Series("", index=out.index)
    out["base"] = [("n too small" if flag == _FLAGGED else "") for flag in flags]
    return out


def _target_rule(target: float | None, channel: str, label: str) -> list[alt.Chart]:
    if target is None:
        return []
    data = pd.DataFrame({channel: [target], "label": [label]})
    encoding = {channel: alt.X(f"{channel}:Q") if channel == "x" else alt.Y(f"{channel}:Q")}
    return [alt.Chart(data).mark_rule(color=_TARGET, strokeDash=[6, 4], size=2).encode(
        **encoding, tooltip=["label:N", f"{channel}:Q"])]


def kpi_dots(frame: pd.DataFrame, *, title: str, category: str = "group", value: str = "value",
             unit: str = "", target: float | None = None) -> alt.LayerChart:
    """One dot per group with its interval as a bar; a dashed line at the target.

    ``frame`` needs ``category, value, ci_low, ci_high, n`` and may have ``flag``; groups
    flagged ``insufficient_base`` are drawn hollow and grey.
    """
    data = _plain(frame, [value, "ci_low", "ci_high"])
    axis_title = f"{value} ({unit})" if unit else value
    y = alt.Y(f"{category}:N", sort=alt.EncodingSortField(value, order="descending"), title=None)
    tooltip = [f"{category}:N", alt.Tooltip(f"{value}:Q", format=".1f"), alt.Tooltip("ci_low:Q", format=".1f"),
               alt.Tooltip("ci_high:Q", format=".1f"), "n:Q", "base:N"]
    bars = alt.Chart(data).mark_rule(size=3, color=_MUTED).encode(
        x=alt.X("ci_low:Q", title=axis_title), x2="ci_high:Q", y=y)
    dots = alt.Chart(data).mark_point(size=90).encode(
        x=f"{value}:Q", y=y, tooltip=tooltip,
        color=alt.condition(alt.datum.base == "", alt.value(_ACCENT), alt.value(_MUTED)),
        fill=alt.condition(alt.datum.base == "", alt.value(_ACCENT), alt.value("white")))
    return alt.layer(bars, dots, *_target_rule(target, "x", "target")).properties(title=title)


def kpi_trend(frame: pd.DataFrame, *, title: str, period: str = "period", value: str = "value",
              unit: str = "", target: float | None = None, color: str | None = None) -> alt.LayerChart:
    """A line per series over time with its interval as a band; a dashed line at the target."""
    data = _plain(frame, [value, "ci_low", "ci_high"])
    x = alt.X(f"{period}:T", title=None)
    series = {"color": alt.Color(f"{color}:N", title=None)} if color else {}
    axis_title = f"{value} ({unit})" if unit else value
    band = alt.Chart(data).mark_area(opacity=0.18).encode(
        x=x, y=alt.Y("ci_low:Q", title=axis_title), y2="ci_high:Q", **series)
    line = alt.Chart(data).mark_line(point=True).encode(
        x=x, y=f"{value}:Q", tooltip=[alt.Tooltip(f"{period}:T"), alt.Tooltip(f"{value}:Q", format=".1f"),
                                       "n:Q", "base:N"], **series)
    return alt.layer(band, line, *_target_rule(target, "y", "target")).properties(title=title)
