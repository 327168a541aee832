"""Chart specs: title, encodings, intervals drawn, target line, flagged groups visible."""

import altair as alt
import numpy as np
import pandas as pd
import pytest

from cxnb import charts

FRAME = pd.DataFrame({"group": ["chat", "phone"], "n": [120, 12], "value": [31.0, -5.0],
                      "ci_low": [18.5, -40.2], "ci_high": [42.1, 30.7], "flag": ["", "insufficient_base"]})


def _rows(spec, layer):
    """The data rows a layer draws (altair lifts data shared by all layers to the top)."""
    return spec["datasets"][layer.get("data", spec.get("data"))["name"]]


def test_kpi_dots_draws_interval_dot_and_target():
    spec = charts.kpi_dots(FRAME, title="NPS by channel", unit="points", target=30).to_dict()
    assert spec["title"] == "NPS by channel"
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rule", "point", "rule"]
    interval, dot, target = spec["layer"]
    assert (interval["encoding"]["x"]["field"], interval["encoding"]["x2"]["field"]) == ("ci_low", "ci_high")
    assert interval["encoding"]["x"]["title"] == "value (points)"
    assert dot["encoding"]["x"]["field"] == "value" and dot["encoding"]["y"]["field"] == "group"
    assert target["mark"]["strokeDash"] == [6, 4]
    assert _rows(spec, target) == [{"x": 30, "label": "target"}]


def test_flagged_groups_are_labelled_not_hidden():
    spec = charts.kpi_dots(FRAME, title="NPS by channel").to_dict()
    rows = _rows(spec, spec["layer"][1])
    assert [r["base"] for r in rows] == ["", "n too small"]
    assert len(rows) == 2


def test_kpi_trend_has_band_line_and_target():
    frame = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "n": [200, 0],
                          "value": [20.0, None], "ci_low": [12.0, None], "ci_high": [28.0, None],
                          "flag": ["", "insufficient_base"]})
    spec = charts.kpi_trend(frame, title="NPS by month", target=25).to_dict()
    assert spec["title"] == "NPS by month"
    band, line, target = spec["layer"]
    assert band["mark"]["type"] == "area" and band["encoding"]["y2"]["field"] == "ci_high"
    assert line["mark"]["type"] == "line" and line["encoding"]["x"]["type"] == "temporal"
    assert _rows(spec, target) == [{"y": 25, "label": "target"}]
    values = _rows(spec, line)
    assert values[1]["value"] is None  # an empty month stays empty, it is not drawn as zero


def test_title_is_required():
    with pytest.raises(TypeError):
        charts.kpi_dots(FRAME)


def test_theme_is_registered_but_only_enabled_on_request():
    assert charts.THEME in alt.theme.names()
    assert alt.theme.active != charts.THEME
    charts.use_theme()
    try:
        assert alt.theme.active == charts.THEME
    finally:
        alt.theme.enable("default")


def test_charts_render_to_svg_offline():
    svg = charts.kpi_dots(FRAME, title="NPS by channel", target=30).to_dict()
    import vl_convert as vlc
    rendered = vlc.vegalite_to_svg(svg)
    assert rendered.startswith("<svg") and "NPS by channel" in rendered


def test_heatmap_marks_empty_cells_and_writes_counts():
    frame = pd.DataFrame({"table": ["tickets", "tickets"], "channel": ["chat", "web"], "rows": [12, 0]})
    spec = charts.heatmap(frame, title="Rows by channel", x="channel", y="table", value="rows").to_dict()
    assert spec["title"] == "Rows by channel"
    cells, labels = spec["layer"]
    assert cells["mark"]["type"] == "rect" and labels["mark"]["type"] == "text"
    assert cells["encoding"]["color"]["condition"]["test"] == "(datum['rows'] > 0)"
    assert cells["encoding"]["color"]["value"] == "#fdecea"  # an empty cell is drawn in red
    assert labels["encoding"]["text"]["field"] == "rows"


def test_bars_sorted_largest_first():
    frame = pd.DataFrame({"check": ["speeders", "duplicates"], "count": [144, 96]})
    spec = charts.bars(frame, title="Flagged responses", category="check", value="count").to_dict()
    assert spec["title"] == "Flagged responses" and spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["sort"] == "-x" and spec["encoding"]["x"]["field"] == "count"


def test_funnel_bars_in_stage_order_with_conversion_labels():
    frame = pd.DataFrame({"stage": ["discover", "consider", "buy"], "reached": [100, 40, 30],
                          "conversion": [40.0, 75.0, None], "ci_low": [30.9, 59.8, None],
                          "ci_high": [49.8, 85.8, None]})
    spec = charts.funnel(frame, title="Funnel").to_dict()
    bars, text = spec["layer"]
    assert bars["encoding"]["y"]["sort"] == ["discover", "consider", "buy"]
    labels = [row["label"] for row in _rows(spec, text)]
    assert labels == ["40% go on [31–50]", "75% go on [60–86]", ""]


def test_process_map_places_activities_by_stage_and_keeps_the_busiest_transitions():
    edges = pd.DataFrame({"source": ["visit", "visit", "cart", "cart", "pay"], "target": ["cart", "visit", "pay", "visit", "pay"],
                          "count": [50, 7, 30, 4, 2]})
    spec = charts.process_map(edges, title="Process map", columns={"visit": 0, "cart": 1, "pay": 2}, top=2).to_dict()
    lines, arrows, dots, halo, names = spec["layer"]
    drawn = {(r["source"], r["target"]) for r in _rows(spec, arrows)}
    assert drawn == {("visit", "cart"), ("cart", "pay")}  # top 2; self-loops are not drawn
    nodes = {r["activity"]: (r["column"], r["loops"]) for r in _rows(spec, dots)}
    assert nodes == {"visit": (0, 7), "cart": (1, 0), "pay": (2, 2)}


def _thirty_activities() -> tuple[pd.DataFrame, dict]:
    """30 activities with long names in 6 stages; each goes on to two of the next stage, and
    every stage has a pair of opposite transitions within it."""
    columns = {f"stage {s} activity {a} with a long descriptive name": s for s in range(6) for a in range(5)}
    names = list(columns)
    rows = [(names[5 * s + a], names[5 * (s + 1) + (a + k) % 5], 10 + a + k) for s in range(5) for a in range(5)
            for k in (0, 2)]
    rows += [(names[5 * s], names[5 * s + 3], 8) for s in range(6)] + [(names[5 * s + 3], names[5 * s], 5) for s in range(6)]
    return pd.DataFrame(rows, columns=["source", "target", "count"]), columns


def test_process_map_with_30_activities_stays_readable():
    edges, columns = _thirty_activities()
    spec = charts.process_map(edges, title="Paths", columns=columns, top=len(edges),
                              stages=[f"stage {s}" for s in range(6)]).to_dict()
    lines, arrows, dots, halo, names = spec["layer"][:5]
    nodes = pd.DataFrame(_rows(spec, dots))
    assert len(nodes) == 30
    assert spec["width"] == 6 * 170  # 170 px a stage column
    # no name runs into the next column: 10 px text at most 6 px a character
    longest = max(len(line) for label in nodes["label"] for line in label.split("\n"))
    assert longest * 6 <= 170 - 10
    # within a column, each name sits between the dot above it and its own dot, never overlapping
    for _, column in nodes.sort_values("py").groupby("column"):
        label_bottom = column["label_top"] + 12 * column["lines"]
        assert (label_bottom <= column["py"] - 7).all()
        assert (column["label_top"].iloc[1:].to_numpy() >= column["py"].iloc[:-1].to_numpy() + 7).all()
    # direction: an arrowhead per transition, turned the way it goes; A → B and B → A apart
    heads = pd.DataFrame(_rows(spec, arrows))
    assert arrows["mark"]["shape"] == "triangle" and arrows["encoding"]["angle"]["field"] == "angle"
    assert len(heads) == len(edges)
    forward = heads[heads["direction"] == "forward"]
    assert forward["angle"].between(10, 170).all()  # pointing rightwards (90 = straight right)
    curves = pd.DataFrame(_rows(spec, lines))
    there = curves[(curves["source"] == edges["source"].iloc[-12]) & (curves["target"] == edges["target"].iloc[-12])]
    back = curves[(curves["source"] == edges["target"].iloc[-12]) & (curves["target"] == edges["source"].iloc[-12])]
    # the pair within the first stage bows out on opposite sides of its column (centre 85 px)
    assert np.sign(there["px"].mean() - 85) == -np.sign(back["px"].mean() - 85)
    assert set(heads["direction"]) == {"forward", "within a stage"}
    assert lines["encoding"]["strokeWidth"]["field"] == "count"


def test_process_map_without_transitions_says_so():
    # one activity repeating itself: a self-loop, which the map lists in tooltips, not as an arrow
    edges = pd.DataFrame({"source": ["visit"], "target": ["visit"], "count": [3]})
    spec = charts.process_map(edges, title="Paths", columns={"visit": 0}).to_dict()
    assert spec["title"] == "Paths"
    assert _rows(spec, spec["layer"][0]) == [{"text": "No transitions between two different activities to draw."}]


def test_process_map_widens_with_the_stage_columns():
    edges, columns = _thirty_activities()
    three = {a: s for a, s in columns.items() if s < 3}
    narrow = charts.process_map(edges, title="Paths", columns=three).to_dict()
    wide = charts.process_map(edges, title="Paths", columns=columns).to_dict()
    assert (narrow["width"], wide["width"]) == (3 * 170, 6 * 170)


def test_journey_map_has_its_five_lanes_in_stage_order():
    frame = pd.DataFrame({"name": ["Discover", "Buy"], "touchpoints": ["ad", "checkout"], "channels": ["web", "app"],
                          "value": [10.0, -5.0], "ci_low": [5.0, -12.0], "ci_high": [15.0, 2.0], "n": [100, 80],
                          "pain": [0.02, 0.2], "opportunity": ["", "shorten checkout"]})
    spec = charts.journey_map(frame, title="Journey map").to_dict()
    assert spec["title"] == "Journey map"
    lanes = [lane["title"]["text"] for lane in spec["vconcat"]]
    assert lanes == ["Touchpoints", "Channels", "Emotion (NPS with 95% interval)", "Pain points", "Opportunities"]
    assert spec["vconcat"][0]["encoding"]["x"]["sort"] == ["Discover", "Buy"]
    emotion = spec["vconcat"][2]["layer"]
    assert emotion[0]["mark"]["type"] == "area" and emotion[0]["encoding"]["y2"]["field"] == "ci_high"


def test_quadrants_draw_mean_lines_and_labelled_dots():
    frame = pd.DataFrame({"driver": ["taste", "price"], "performance": [8.0, 6.0], "importance": [40.0, 10.0],
                          "quadrant": ["keep up the good work", "low priority"]})
    spec = charts.quadrants(frame, title="Importance and performance").to_dict()
    vertical, horizontal, dots, names = spec["layer"]
    assert _rows(spec, vertical) == [{"performance": 7.0, "importance": 25.0}]  # the means split the quadrants
    assert dots["encoding"]["color"]["field"] == "quadrant" and names["encoding"]["text"]["field"] == "driver"
