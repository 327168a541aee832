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
import numpy as np
import pandas as pd

__all__ = ["THEME", "use_theme", "kpi_dots", "kpi_trend", "kpi_tree", "heatmap", "bars", "funnel", "process_map", "journey_map", "quadrants",
           "event_study", "maturity_levels", "k_choice", "persona_card", "empathy_map", "EMPATHY_QUADRANTS",
           "suitability_matrix", "odds_ratios"]

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


_METRIC_COLUMNS = {"period", "n", "value", "ci_low", "ci_high", "flag"}


def kpi_dots(frame: pd.DataFrame, *, title: str, category: str | None = None, value: str = "value",
             unit: str = "", target: float | None = None) -> alt.LayerChart:
    """One dot per group with its interval as a bar; a dashed line at the target.

    ``frame`` needs ``category`` (default: its first column, the grouping column of a
    :mod:`cxnb.metrics` frame), ``value, ci_low, ci_high, n``, and may have ``flag``; groups
    flagged ``insufficient_base`` are drawn hollow and grey.
    """
    category = category or next(c for c in frame.columns if c not in _METRIC_COLUMNS)
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


# Columns of the KPI tree, left to right: operations → experience → loyalty → outcome.
_TREE_LAYOUT = {"first_response_time": (0, 0), "resolution_time": (0, 1), "ces": (0, 2), "csat": (1, 0.5),
                "nps": (2, 1.25), "churn": (3, 1.25)}


def kpi_tree(edges: pd.DataFrame, *, title: str) -> alt.LayerChart:
    """The KPI tree: each KPI a node, each measured link an arrow labelled with its value and interval.

    ``edges`` has ``driver, outcome, value, ci_low, ci_high, n`` (see :func:`cxnb.kpis.kpi_tree`).
    """
    known = edges[edges["driver"].isin(_TREE_LAYOUT) & edges["outcome"].isin(_TREE_LAYOUT)].copy()
    for end, (x, y) in (("driver", ("x", "y")), ("outcome", ("x2", "y2"))):
        known[x] = known[end].map(lambda k: _TREE_LAYOUT[k][0])
        known[y] = known[end].map(lambda k: _TREE_LAYOUT[k][1])
    known["mx"], known["my"] = (known["x"] + known["x2"]) / 2, (known["y"] + known["y2"]) / 2
    known["label"] = [f"{v:+.2f} [{lo:+.2f}, {hi:+.2f}]" if abs(v) <= 1 else f"{v:+.1f} [{lo:+.1f}, {hi:+.1f}]"
                      for v, lo, hi in zip(known["value"], known["ci_low"], known["ci_high"])]
    nodes = pd.DataFrame([{"kpi": k, "x": x, "y": y} for k, (x, y) in _TREE_LAYOUT.items()
                          if k in set(known["driver"]) | set(known["outcome"])])
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[-0.4, 3.4]))
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[2.4, -0.4]))
    links = alt.Chart(known).mark_rule(color=_MUTED, strokeWidth=2).encode(x=x, y=y, x2="x2:Q", y2="y2:Q")
    labels = alt.Chart(known).mark_text(fontSize=11, color=_INK, dy=-8).encode(
        x=alt.X("mx:Q", axis=None, scale=alt.Scale(domain=[-0.4, 3.4])),
        y=alt.Y("my:Q", axis=None, scale=alt.Scale(domain=[2.4, -0.4])), text="label:N",
        tooltip=["driver:N", "outcome:N", "link:N", "n:Q"])
    dots = alt.Chart(nodes).mark_circle(size=900, color=_ACCENT, opacity=0.15).encode(x=x, y=y)
    names = alt.Chart(nodes).mark_text(fontSize=13, fontWeight="bold", color=_INK).encode(x=x, y=y, text="kpi:N")
    return alt.layer(links, labels, dots, names).properties(title=title, width=620, height=260)


def heatmap(frame: pd.DataFrame, *, title: str, x: str, y: str, value: str, fmt: str = ",.0f") -> alt.LayerChart:
    """A table of counts as coloured cells with the number written in each; empty cells stand out."""
    data = frame.copy()
    data[value] = pd.to_numeric(data[value], errors="coerce").astype("float64")
    base = alt.Chart(data).encode(x=alt.X(f"{x}:N", title=None, sort=None), y=alt.Y(f"{y}:N", title=None, sort=None))
    cells = base.mark_rect(stroke="white").encode(
        color=alt.condition(alt.datum[value] > 0, alt.Color(f"{value}:Q", scale=alt.Scale(scheme="blues"),
                                                            legend=None), alt.value("#fdecea")),
        tooltip=[f"{y}:N", f"{x}:N", alt.Tooltip(f"{value}:Q", format=fmt)])
    labels = base.mark_text(fontSize=11).encode(text=alt.Text(f"{value}:Q", format=fmt), color=alt.value(_INK))
    return alt.layer(cells, labels).properties(title=title, width=alt.Step(78), height=alt.Step(30))


def bars(frame: pd.DataFrame, *, title: str, category: str, value: str, unit: str = "") -> alt.Chart:
    """Horizontal bars, largest first."""
    data = frame.copy()
    data[value] = pd.to_numeric(data[value], errors="coerce").astype("float64")
    return alt.Chart(data).mark_bar(color=_ACCENT).encode(
        x=alt.X(f"{value}:Q", title=f"{value} ({unit})" if unit else value),
        y=alt.Y(f"{category}:N", sort="-x", title=None),
        tooltip=[f"{category}:N", alt.Tooltip(f"{value}:Q", format=",.1f")]).properties(title=title)


def funnel(frame: pd.DataFrame, *, title: str, stage: str = "stage") -> alt.LayerChart:
    """Journeys reaching each stage (bars, in stage order) with the conversion to the next stage
    and its interval written beside each bar. ``frame`` as :func:`cxnb.journey.funnel` returns it."""
    data = frame.copy()
    for column in ("reached", "conversion", "ci_low", "ci_high"):
        data[column] = pd.to_numeric(data[column], errors="coerce").astype("float64")
    data["label"] = [f"{c:.0f}% go on [{lo:.0f}–{hi:.0f}]" if pd.notna(c) else ""
                     for c, lo, hi in zip(data["conversion"], data["ci_low"], data["ci_high"])]
    order = data[stage].tolist()
    y = alt.Y(f"{stage}:N", sort=order, title=None)
    bars = alt.Chart(data).mark_bar(color=_ACCENT).encode(
        x=alt.X("reached:Q", title="journeys reaching the stage"), y=y,
        tooltip=[f"{stage}:N", alt.Tooltip("reached:Q", format=","), alt.Tooltip("conversion:Q", format=".1f")])
    text = alt.Chart(data).mark_text(align="left", dx=6, color=_INK).encode(x="reached:Q", y=y, text="label:N")
    return alt.layer(bars, text).properties(title=title, height=alt.Step(34))


_COLUMN_PX, _LINE_PX, _CHAR_PX, _NODE_PX, _HEADER_PX = 170, 12, 6, 7, 28
_DIRECTIONS = {"forward": "#52606d", "within a stage": "#0891b2", "backward": _TARGET}


def _bezier(p0: np.ndarray, control: np.ndarray, p2: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points and tangents of the quadratic Bézier curve ``p0 → p2`` bent towards ``control``."""
    t = t[:, None]
    points = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * control + t ** 2 * p2
    return points, 2 * (1 - t) * (control - p0) + 2 * t * (p2 - control)


def _edge_paths(shown: pd.DataFrame, place: pd.DataFrame, samples: int = 24) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each transition as a curve (``edge, step, px, py``) and an arrowhead at its end (``px, py,
    angle``, degrees clockwise from up). Curves bend to the left of their direction, so A → B
    and B → A never overlap; transitions within a stage bow out sideways past the activities
    stacked between them. Curves stop at the target's dot, where the arrowhead sits."""
    curves, heads = [], []
    for edge, row in enumerate(shown.itertuples(index=False)):
        p0 = place.loc[row.source, ["px", "py"]].to_numpy(float)
        p2 = place.loc[row.target, ["px", "py"]].to_numpy(float)
        travel = p2 - p0
        length = float(np.hypot(*travel))
        left = np.array([travel[1], -travel[0]]) / length
        bend = 0.12 * length if abs(travel[0]) > 1 else 0.3 * length + 24
        control = (p0 + p2) / 2 + bend * left
        t = np.linspace(0, 1, 200)
        points, tangents = _bezier(p0, control, p2, t)
        near_start = np.hypot(*(points - p0).T) < _NODE_PX + 1
        near_end = np.hypot(*(points - p2).T) < _NODE_PX + 5
        keep = np.flatnonzero(~near_start & ~near_end)
        keep = keep[np.linspace(0, len(keep) - 1, samples).round().astype(int)]
        curves.append(pd.DataFrame({"edge": edge, "step": np.arange(samples), "px": points[keep, 0],
                                    "py": points[keep, 1]}))
        end, tangent = points[keep[-1]], tangents[keep[-1]]
        heads.append({"edge": edge, "px": end[0], "py": end[1],
                      "angle": float(np.degrees(np.arctan2(tangent[0], -tangent[1])) % 360)})
    facts = shown.reset_index(drop=True).rename_axis("edge").reset_index()
    return (pd.concat(curves).merge(facts, on="edge"), pd.DataFrame(heads).merge(facts, on="edge"))


def process_map(edges: pd.DataFrame, *, title: str, columns: dict[str, int], top: int = 40,
                stages: list[str] | None = None) -> alt.LayerChart:
    """A directly-follows graph laid out left to right by stage.

    Each activity sits in the column of its stage (``columns``: activity → stage position),
    activities of one stage stacked in the order ``columns`` lists them (the designed order of
    the event → stage map), each name wrapped above its dot so names never run into the next
    column or the activity above. The chart grows with the number of columns (170 px each) and
    the tallest column. The ``top`` most frequent transitions are drawn as curves with an
    arrowhead at the target, wider for more journeys and coloured by direction (forward,
    within a stage, backward); A → B and B → A bend to opposite sides. Self-loops are listed in
    the tooltip of their activity rather than drawn. ``stages`` (names in stage order) head the
    columns. ``edges``: ``source, target, count`` (as :func:`cxnb.journey.directly_follows`
    returns them; its hour columns go into the tooltips).

    >>> edges = pd.DataFrame({"source": ["visit", "cart"], "target": ["cart", "visit"], "count": [9, 2]})
    >>> spec = process_map(edges, title="Paths", columns={"visit": 0, "cart": 1}).to_dict()
    >>> spec["width"], [layer["mark"]["type"] for layer in spec["layer"]]
    (340, ['line', 'point', 'circle', 'text', 'text'])
    """
    shown = edges[edges["source"].isin(columns) & edges["target"].isin(columns)]
    loops = shown[shown["source"] == shown["target"]].set_index("source")["count"]
    shown = shown[shown["source"] != shown["target"]].nlargest(top, "count").copy()
    if shown.empty:  # e.g. every journey has a single event
        note = pd.DataFrame({"text": ["No transitions between two different activities to draw."]})
        return alt.layer(alt.Chart(note).mark_text(color=_MUTED, fontSize=12).encode(text="text:N")).properties(
            title=title, width=_COLUMN_PX * max(len(stages or []), 2), height=60)
    listed = {activity: i for i, activity in enumerate(columns)}
    nodes = pd.DataFrame({"activity": sorted(set(shown["source"]) | set(shown["target"]),
                                              key=lambda a: (columns[a], listed[a]))})
    first = 0 if stages else nodes["activity"].map(columns).min()
    nodes["column"] = nodes["activity"].map(columns) - first
    n_columns = max(int(nodes["column"].max()) + 1, len(stages or []))
    nodes["label"] = _wrapped(nodes["activity"], (_COLUMN_PX - 14) // _CHAR_PX)
    nodes["lines"] = nodes["label"].str.count("\n") + 1
    block = nodes["lines"] * _LINE_PX + 2 * _NODE_PX + 16  # name above, then the dot
    bottom = block.groupby(nodes["column"]).cumsum()
    total = bottom.groupby(nodes["column"]).transform("max")
    top_px = _HEADER_PX if stages else 0
    nodes["px"] = (nodes["column"] + 0.5) * _COLUMN_PX
    nodes["py"] = top_px + (total.max() - total) / 2 + bottom - _NODE_PX - 4  # columns centred vertically
    nodes["loops"] = nodes["activity"].map(loops).fillna(0).astype(int)
    nodes["label_top"] = nodes["py"] - _NODE_PX - 3 - nodes["lines"] * _LINE_PX
    height = int(top_px + total.max() + 8)
    order = {activity: column for activity, column in zip(nodes["activity"], nodes["column"])}
    source, target = shown["source"].map(order), shown["target"].map(order)
    shown["direction"] = np.select([target > source, target == source], ["forward", "within a stage"], "backward")
    curves, heads = _edge_paths(shown, nodes.set_index("activity"))
    x, y = alt.X("px:Q", scale=None, axis=None), alt.Y("py:Q", scale=None, axis=None)
    colour = alt.Color("direction:N", title="transition", scale=alt.Scale(domain=list(_DIRECTIONS),
                                                                          range=list(_DIRECTIONS.values())),
                       legend=alt.Legend(orient="bottom"))
    tooltip = ["source:N", "target:N", "direction:N", alt.Tooltip("count:Q", format=",")] + [
        alt.Tooltip(f"{c}:Q", format=",.1f") for c in ("median_hours", "p90_hours") if c in shown]
    most = float(shown["count"].max())
    lines = alt.Chart(curves).mark_line(opacity=0.45, strokeCap="round").encode(
        x=x, y=y, detail="edge:N", order="step:Q", color=colour, tooltip=tooltip,
        strokeWidth=alt.StrokeWidth("count:Q", scale=alt.Scale(domain=[0, most], range=[0.6, 6]), legend=None))
    arrows = alt.Chart(heads).mark_point(shape="triangle", filled=True, opacity=0.9).encode(
        x=x, y=y, angle=alt.Angle("angle:Q", scale=None), color=colour, tooltip=tooltip,
        size=alt.Size("count:Q", scale=alt.Scale(domain=[0, most], range=[25, 160]), legend=None))
    dots = alt.Chart(nodes).mark_circle(size=(2 * _NODE_PX) ** 2, color=_ACCENT, opacity=1).encode(
        x=x, y=y, tooltip=["activity:N", alt.Tooltip("loops:Q", title="repeats in a row")])
    text = {"fontSize": 10, "baseline": "top", "lineBreak": "\n", "lineHeight": _LINE_PX}
    place = {"x": x, "y": alt.Y("label_top:Q", scale=None, axis=None), "text": "label:N"}
    halo = alt.Chart(nodes).mark_text(**text, stroke="white", strokeWidth=4, strokeOpacity=0.9).encode(**place)
    names = alt.Chart(nodes).mark_text(**text, color=_INK).encode(**place)
    layers = [lines, arrows, dots, halo, names]
    if stages:
        header = pd.DataFrame({"stage": stages, "px": (np.arange(len(stages)) + 0.5) * _COLUMN_PX, "py": 12.0})
        layers.append(alt.Chart(header).mark_text(fontSize=12, fontWeight="bold", color=_INK).encode(
            x=x, y=y, text="stage:N"))
    return alt.layer(*layers).properties(title=title, width=n_columns * _COLUMN_PX, height=height)


def journey_map(stages: pd.DataFrame, *, title: str) -> alt.VConcatChart:
    """The journey map: stages across, one lane each for touchpoints, channels, the emotion curve
    (score with its interval band), pain points (larger red dot = larger pain score) and
    opportunities. ``stages`` has one row per stage in journey order with ``name, touchpoints,
    channels, value, ci_low, ci_high, n, pain, opportunity`` (texts already short)."""
    data = stages.copy()
    for column in ("value", "ci_low", "ci_high", "pain"):
        data[column] = pd.to_numeric(data[column], errors="coerce").astype("float64")
    order = data["name"].tolist()
    x_top = alt.X("name:N", sort=order, title=None, axis=alt.Axis(orient="top", labelAngle=0, labelFontSize=12,
                                                                     labelFontWeight="bold"))
    x = alt.X("name:N", sort=order, title=None, axis=None)
    width = max(520, 120 * len(order))

    def lane(chart, label, height=46):
        return chart.properties(width=width, height=height, title=alt.TitleParams(label, anchor="start", fontSize=12))

    def words(column, label, axis=x):
        return lane(alt.Chart(data).mark_text(fontSize=10, lineBreak="; ", color=_INK).encode(x=axis, text=f"{column}:N"),
                    label)

    band = alt.Chart(data).mark_area(opacity=0.18, color=_ACCENT).encode(
        x=x, y=alt.Y("ci_low:Q", title="NPS"), y2="ci_high:Q")
    line = alt.Chart(data).mark_line(point=True, color=_ACCENT).encode(
        x=x, y="value:Q", tooltip=["name:N", alt.Tooltip("value:Q", format="+.0f"), "n:Q"])
    pain = alt.Chart(data).mark_circle(color="#dc2626").encode(
        x=x, size=alt.Size("pain:Q", scale=alt.Scale(range=[20, 900]), legend=None),
        tooltip=["name:N", alt.Tooltip("pain:Q", format=".3f")])
    return alt.vconcat(
        words("touchpoints", "Touchpoints", x_top), words("channels", "Channels"),
        lane(alt.layer(band, line), "Emotion (NPS with 95% interval)", 120), lane(pain, "Pain points", 50),
        words("opportunity", "Opportunities"), spacing=4).properties(title=title)


def quadrants(frame: pd.DataFrame, *, title: str, label: str = "driver", x: str = "performance",
              y: str = "importance", colour: str = "quadrant") -> alt.LayerChart:
    """Importance–performance map: one labelled dot per driver, dashed lines at the means of the
    two axes (the quadrant boundaries), dots coloured by quadrant."""
    data = frame.copy()
    for column in (x, y):
        data[column] = pd.to_numeric(data[column], errors="coerce").astype("float64")
    means = pd.DataFrame({x: [data[x].mean()], y: [data[y].mean()]})
    dots = alt.Chart(data).mark_point(size=110).encode(
        x=alt.X(f"{x}:Q", scale=alt.Scale(zero=False)), y=alt.Y(f"{y}:Q", scale=alt.Scale(zero=False)),
        color=alt.Color(f"{colour}:N", title=None), tooltip=[f"{label}:N", alt.Tooltip(f"{x}:Q", format=".2f"),
                                                             alt.Tooltip(f"{y}:Q", format=".1f"), f"{colour}:N"])
    names = alt.Chart(data).mark_text(dy=-10, fontSize=10, color=_INK).encode(x=f"{x}:Q", y=f"{y}:Q", text=f"{label}:N")
    vertical = alt.Chart(means).mark_rule(strokeDash=[4, 4], color=_MUTED).encode(x=f"{x}:Q")
    horizontal = alt.Chart(means).mark_rule(strokeDash=[4, 4], color=_MUTED).encode(y=f"{y}:Q")
    return alt.layer(vertical, horizontal, dots, names).properties(title=title, width=560, height=340)


# ---------------------------------------------------------------------------------------------
# Step 7 — refine the process: event study of a change, CX maturity by pillar


def event_study(frame: pd.DataFrame, *, title: str, date=None, unit: str = "points") -> alt.LayerChart:
    """Treated − control gap per period with its interval (as :func:`cxnb.refine.event_study`
    returns it): dots and bars coloured by phase, a zero line, and a dashed line at the change
    ``date``. A flat gap before the date is what a difference in differences needs."""
    data = _plain(frame, ["gap", "ci_low", "ci_high"])
    x = alt.X("period:T", title=None)
    colour = alt.Color("phase:N", title=None, scale=alt.Scale(domain=["before", "after"], range=[_MUTED, _ACCENT]))
    bars = alt.Chart(data).mark_rule(size=2).encode(
        x=x, y=alt.Y("ci_low:Q", title=f"treated − control ({unit})"), y2="ci_high:Q", color=colour)
    dots = alt.Chart(data).mark_point(size=60).encode(
        x=x, y="gap:Q", color=colour, tooltip=[alt.Tooltip("period:T"), "phase:N", alt.Tooltip("gap:Q", format="+.1f"),
                                               alt.Tooltip("ci_low:Q", format="+.1f"),
                                               alt.Tooltip("ci_high:Q", format="+.1f"), "n_treated:Q", "n_control:Q"])
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color=_INK, size=1).encode(y="y:Q")
    layers = [zero, bars, dots]
    if date is not None:
        when = pd.DataFrame({"date": [pd.Timestamp(date)], "label": ["change"]})
        layers.append(alt.Chart(when).mark_rule(color=_TARGET, strokeDash=[6, 4], size=2).encode(
            x="date:T", tooltip=["label:N", alt.Tooltip("date:T")]))
    return alt.layer(*layers).properties(title=title)


def maturity_levels(frame: pd.DataFrame, *, title: str) -> alt.LayerChart:
    """CX maturity per pillar (as :func:`cxnb.refine.maturity_scores` returns it): a bar to the
    level, its interval as a black rule and the target level as an orange tick, on the 1–5 scale."""
    data = _plain(frame, ["level", "ci_low", "ci_high", "target"]).assign(floor=1.0)
    y = alt.Y("name:N", sort=alt.EncodingSortField("level", order="ascending"), title=None)
    axis = alt.Axis(values=[1, 2, 3, 4, 5], title="maturity level (1 initial … 5 optimised)")
    bars = alt.Chart(data).mark_bar(color=_ACCENT, opacity=0.75).encode(
        x=alt.X("floor:Q", scale=alt.Scale(domain=[1, 5]), axis=axis), x2="level:Q", y=y,
        tooltip=["name:N", alt.Tooltip("level:Q", format=".2f"), alt.Tooltip("ci_low:Q", format=".2f"),
                 alt.Tooltip("ci_high:Q", format=".2f"), alt.Tooltip("target:Q", format=".1f"), "respondents:Q"])
    interval = alt.Chart(data).mark_rule(color=_INK, size=2).encode(x="ci_low:Q", x2="ci_high:Q", y=y)
    target = alt.Chart(data).mark_tick(color=_TARGET, thickness=3, size=26).encode(
        x="target:Q", y=y, tooltip=["name:N", alt.Tooltip("target:Q", format=".1f")])
    return alt.layer(bars, interval, target).properties(title=title, height=alt.Step(34))


# ---------------------------------------------------------------------------------------------
# Steps 1 and 2 — personas (choice of k, persona card, empathy map) and channels (suitability)


def k_choice(selection: pd.DataFrame, *, title: str) -> alt.LayerChart:
    """Silhouette, stability (bootstrap adjusted Rand index) and their product, the score that
    chooses k, for each candidate number of segments; the chosen k ringed. ``selection`` as
    :class:`cxnb.personas.Segmentation` holds it."""
    data = selection.rename(columns={"score": "silhouette × stability"}).melt(
        id_vars=["k", "chosen"], value_vars=["silhouette", "stability", "silhouette × stability"], var_name="measure")
    x = alt.X("k:O", title="number of segments (k)", axis=alt.Axis(labelAngle=0))
    lines = alt.Chart(data).mark_line(point=True).encode(
        x=x, y=alt.Y("value:Q", title="score (0–1)", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("measure:N", title=None), tooltip=["k:O", "measure:N", alt.Tooltip("value:Q", format=".3f")])
    chosen = alt.Chart(data[data["chosen"]]).mark_point(size=260, shape="circle", filled=False, color=_INK).encode(
        x=x, y="value:Q")
    return alt.layer(lines, chosen).properties(title=title, width=420, height=220)


def _wrapped(lines: pd.Series, width: int) -> pd.Series:
    import textwrap

    return lines.map(lambda text: "\n".join(textwrap.wrap(str(text), width)) or " ")


def persona_card(lines: pd.DataFrame, *, title: str) -> alt.LayerChart:
    """One persona's card: a field name and its value per line (``field, value``, as
    :func:`cxnb.personas.persona_card` returns them for one persona)."""
    data = lines[["field", "value"]].copy()
    data["value"] = _wrapped(data["value"], 70)
    data["row"] = data["value"].str.count("\n").shift(fill_value=0).cumsum() + np.arange(len(data))
    y = alt.Y("row:Q", axis=None, scale=alt.Scale(domain=[float(data["row"].max()) + 1, -0.6]))
    base = alt.Chart(data).encode(y=y)
    fields = base.mark_text(align="right", baseline="top", fontWeight="bold", color=_MUTED, dx=-8).encode(
        x=alt.value(120), text="field:N")
    values = base.mark_text(align="left", baseline="top", color=_INK, lineBreak="\n").encode(
        x=alt.value(120), text="value:N")
    height = 18 * (int(data["row"].max()) + 2)
    return alt.layer(fields, values).properties(title=title, width=560, height=height)


EMPATHY_QUADRANTS = ("says", "thinks & feels", "does", "pains", "gains")


def empathy_map(frame: pd.DataFrame, *, title: str) -> alt.VConcatChart:
    """An empathy map: one panel per quadrant (says, thinks & feels, does, pains, gains), each
    listing its lines (``quadrant, item`` for one persona, as :func:`cxnb.personas.empathy_map`
    returns them)."""
    colours = {"says": _ACCENT, "thinks & feels": "#7c3aed", "does": _INK, "pains": "#dc2626", "gains": "#059669"}

    def panel(quadrant: str, width: int) -> alt.Chart:
        items = frame.loc[frame["quadrant"] == quadrant, "item"]
        data = pd.DataFrame({"item": _wrapped(items, width // 7).tolist() or ["(no data)"]})
        data["row"] = data["item"].str.count("\n").shift(fill_value=0).cumsum() + np.arange(len(data))
        rows = int(data["row"].max()) + 1
        text = alt.Chart(data).mark_text(align="left", baseline="top", lineBreak="\n", color=_INK, fontSize=11).encode(
            x=alt.value(6), y=alt.Y("row:Q", axis=None, scale=alt.Scale(domain=[rows, 0])), text="item:N")
        return text.properties(width=width, height=16 * rows + 8, title=alt.TitleParams(
            quadrant.upper(), anchor="start", fontSize=12, color=colours[quadrant]))

    top = alt.hconcat(panel("says", 430), panel("thinks & feels", 330), spacing=18)
    bottom = alt.hconcat(panel("does", 260), panel("pains", 240), panel("gains", 240), spacing=18)
    return alt.vconcat(top, bottom, spacing=14).properties(title=title)


def suitability_matrix(frame: pd.DataFrame, *, title: str) -> alt.LayerChart:
    """The channel suitability matrix: persona × channel cells coloured by how much better
    (blue) or worse (red) than expected the channel serves the persona (``gap`` in points), each
    cell labelled with the persona's preference share and the recommended action (as
    :func:`cxnb.channels.suitability` returns it)."""
    data = frame.copy()
    for column in ("gap", "preference", "priority"):
        data[column] = pd.to_numeric(data[column], errors="coerce").astype("float64")
    marks = {"invest": "▲ invest", "steer away": "→ steer away", "keep": "", "insufficient data": "n too small"}
    data["label"] = [f"{p:.0f}%" + (f"\n{marks.get(a, a)}" if marks.get(a, a) else "")
                     for p, a in zip(data["preference"], data["action"])]
    limit = max(10.0, float(data["gap"].abs().max(skipna=True) or 0))
    base = alt.Chart(data).encode(x=alt.X("channel:N", title=None, axis=alt.Axis(orient="top", labelAngle=0)),
                                  y=alt.Y("persona:N", title=None))
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("gap:Q", title="vs expected (points)",
                        scale=alt.Scale(scheme="redblue", domain=[-limit, limit]), legend=alt.Legend(orient="bottom")),
        tooltip=["persona:N", "channel:N", alt.Tooltip("preference:Q", format=".0f"),
                 alt.Tooltip("satisfaction:Q", format=".0f"), alt.Tooltip("effort:Q", format=".0f"),
                 alt.Tooltip("gap:Q", format="+.1f"), alt.Tooltip("cost_per_contact:Q", format=",.2f"), "action:N",
                 "reason:N"])
    outline = base.transform_filter(alt.datum.action == "invest").mark_rect(
        fill=None, stroke=_INK, strokeWidth=3)
    strong = alt.expr.abs(alt.datum.gap) > 0.6 * limit
    labels = base.mark_text(fontSize=11, lineBreak="\n").encode(
        text="label:N", color=alt.condition(strong, alt.value("white"), alt.value(_INK)))
    return alt.layer(cells, outline, labels).properties(title=title, width=alt.Step(96), height=alt.Step(44))


# ---------------------------------------------------------------------------------------------
# Step 6 — customer insights: churn drivers as odds ratios


def odds_ratios(frame: pd.DataFrame, *, title: str, label: str = "driver") -> alt.LayerChart:
    """Odds ratio per driver (as :func:`cxnb.drivers.churn_drivers` returns it) on a log scale:
    a dot, its interval as a bar, and a line at 1 (no association); above 1 means more churn."""
    data = _plain(frame, ["odds_ratio", "ci_low", "ci_high"])
    y = alt.Y(f"{label}:N", sort=alt.EncodingSortField("odds_ratio", order="descending"), title=None)
    x = alt.X("ci_low:Q", scale=alt.Scale(type="log"), title="odds ratio of churning (log scale; 1 = no association)")
    bars = alt.Chart(data).mark_rule(size=3, color=_MUTED).encode(x=x, x2="ci_high:Q", y=y)
    dots = alt.Chart(data).mark_point(size=90, color=_ACCENT).encode(
        x="odds_ratio:Q", y=y, tooltip=[f"{label}:N", alt.Tooltip("odds_ratio:Q", format=".2f"),
                                        alt.Tooltip("ci_low:Q", format=".2f"), alt.Tooltip("ci_high:Q", format=".2f"),
                                        "n:Q"])
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color=_INK, strokeDash=[4, 4]).encode(x="x:Q")
    return alt.layer(bars, dots, one).properties(title=title)
