"""Step 6's ranked findings: what drives the experience, as sentences built from numbers.

:func:`compute` runs every analysis of the step once on a client's bundle — text analysis
(sentiment, taxonomy themes, discovered themes, theme impact), key drivers and the
importance–performance grid, churn drivers and the CX-to-revenue link (spend, retention and
predicted CLV by NPS group) — and :func:`rank` turns
the results into one table of findings, each with its effect, interval, base and evidence.
Step 7's action backlog and the report's index read that table (artifact ``insights``).

A section whose data are missing (no transactions, no driver ratings, too few churned
customers) is not guessed at: :func:`compute` records why in ``skipped``, and :func:`rank`
states it as a finding when it matters (a churn model that cannot be fitted is a finding).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from cxnb import clv, drivers, stats, text
from cxnb.errors import CxnbError

__all__ = ["KINDS", "COLUMNS", "Insights", "compute", "rank", "headlines", "insights"]

# Kinds in the order findings are ranked: what explains the score first, then what to do.
KINDS = ("driver", "theme", "new theme", "churn", "revenue", "priority", "sentiment")
COLUMNS = ["kind", "subject", "kpi", "finding", "effect", "ci_low", "ci_high", "n", "evidence"]
# The measure a theme's impact is on (text.IMPACT_MEASURES) as the KPI its findings move.
_MEASURE_KPIS = {"nps": "nps", "rating": "review rating"}
# Discovered themes reported as findings: at most this many, those whose complaints cost most.
_NEW_THEMES = 3


class Insights(NamedTuple):
    """Every result of step 6 for one client (see :func:`compute`)."""

    texts: pd.Series
    analysis: text.TextAnalysis
    summary: pd.DataFrame
    discovery: text.Discovery | None
    impact: pd.DataFrame
    importance: pd.DataFrame | None
    grid: pd.DataFrame | None
    churn_features: pd.DataFrame | None
    churn: pd.DataFrame | None
    loyalty: pd.DataFrame | None
    clv: clv.ClvAnalysis
    skipped: dict[str, str]
    confidence: float


def _scores(frame: pd.DataFrame | None, key: str, column: str, score: str, table: str, english) -> pd.Series | None:
    """Score per English text (index ``"<table>:<id>"`` as :func:`cxnb.text.customer_texts`)."""
    if frame is None or column not in frame or score not in frame:
        return None
    rows = frame[frame[column].notna()]
    scores = pd.Series(rows[score].to_numpy(dtype=float, na_value=np.nan), index=table + ":" + rows[key].astype(str))
    scores = scores[scores.index.isin(english)].dropna()
    return scores if len(scores) >= 2 else None


def _impact(analysis: text.TextAnalysis, discovery: text.Discovery | None, bundle, confidence: float) -> pd.DataFrame:
    english = analysis.documents.loc[analysis.documents["language"] == "en", "text_id"]
    review_scale = bundle.config.scales.review
    sources = [("survey comments", _scores(bundle.responses, "response_id", "comment", "nps", "responses", english),
                "nps"),
               ("reviews", _scores(bundle.reviews, "review_id", "text", "rating", "reviews", english), "rating")]
    origins = [("taxonomy", analysis.mentions)]
    if discovery is not None and not discovery.mentions.empty:
        origins.append(("discovered", discovery.mentions))
    parts = []
    for source, scores, measure in sources:
        if scores is None:
            continue
        for origin, mentions in origins:
            impact = text.theme_impact(mentions, scores, measure=measure, confidence=confidence,
                                       scale=(review_scale.min, review_scale.max))
            parts.append(impact.assign(source=source, origin=origin))
    if not parts:  # no scored texts
        return pd.DataFrame(columns=[*text.IMPACT_COLUMNS, "source", "origin"])
    return pd.concat(parts, ignore_index=True)


def compute(bundle, *, n_boot: int = 200, processes: int | None = None, confidence: float = 0.95) -> Insights:
    """Run every analysis of step 6 on a client's bundle.

    Parameters
    ----------
    bundle : Bundle
        From :func:`cxnb.load_bundle`; its config gives the seed, the theme taxonomy, the
        review scale and the churn rule (``churn_after_days``).
    n_boot : int
        Bootstrap resamples of the driver importance.
    processes : int, optional
        Worker processes of the text analysis (:func:`cxnb.text.analyse_texts`).
    confidence : float
        Level of every interval.

    Returns
    -------
    Insights
        ``texts`` (:func:`cxnb.text.customer_texts`), ``analysis`` (documents, clauses,
        mentions), ``summary`` (:func:`cxnb.text.theme_summary`), ``discovery``
        (:func:`cxnb.text.discover_themes`), ``impact`` (:func:`cxnb.text.theme_impact` for
        survey comments against NPS and reviews against stars, taxonomy and discovered themes,
        with ``source`` and ``origin`` columns), ``importance`` (Shapley, NPS on the
        ``rating_*`` drivers), ``grid`` (importance–performance), ``churn_features``, ``churn``
        (odds ratios), ``loyalty`` (spend and retention by NPS group), ``clv``
        (:func:`cxnb.clv.analyse`: predicted CLV by NPS group; ``clv.ok`` False when the models
        cannot be fitted) and ``skipped`` (section → why it was not computed), and the
        ``confidence`` of every interval. A missing section is None.
    """
    config, skipped = bundle.config, {}
    seed = config.seed
    taxonomy = text.client_taxonomy(config)
    texts = text.customer_texts(bundle)
    analysis = text.analyse_texts(texts, taxonomy, processes=processes)
    english = int((analysis.documents["language"] == "en").sum())
    summary = (text.theme_summary(analysis.mentions, total_texts=english, confidence=confidence) if english
               else text.theme_summary(analysis.mentions.iloc[:0], total_texts=1))
    discovery = None
    try:
        discovery = text.discover_themes(analysis.clauses, taxonomy, seed=seed)
    except CxnbError as error:
        skipped["discovery"] = str(error)
    impact = _impact(analysis, discovery, bundle, confidence)
    responses = bundle.responses
    importance = grid = None
    ratings = [c for c in responses.columns if c.startswith("rating_")] if responses is not None else []
    if responses is None or "nps" not in responses or len(ratings) < 2:
        skipped["drivers"] = "key drivers need survey responses with an nps column and at least two rating_* columns"
    else:
        importance = drivers.driver_importance(responses, outcome="nps", drivers=ratings, method="shapley",
                                               n_boot=n_boot, confidence=confidence, seed=seed)
        grid = drivers.importance_performance(importance, responses[ratings].mean())
    features = churn = loyalty = None
    transactions = bundle.transactions
    if transactions is None or transactions.empty:
        skipped["churn"] = skipped["revenue"] = "no transactions table: churn and spend cannot be measured"
    else:
        features = drivers.churn_features(transactions, tickets=bundle.tickets, responses=responses,
                                          after_days=config.churn_after_days)
        try:
            churn = drivers.churn_drivers(features, confidence=confidence)
        except CxnbError as error:
            skipped["churn"] = str(error).removeprefix("churn_drivers: ")
        if responses is not None and "nps" in responses and "amount" in transactions:
            loyalty = drivers.loyalty_value(responses, transactions, after_days=config.churn_after_days,
                                            confidence=confidence, seed=seed)
        else:
            skipped["revenue"] = "spend by NPS group needs responses with nps and transactions with amount"
    value = clv.analyse(bundle, confidence=confidence)
    if not value.ok:
        skipped["clv"] = value.problem
    elif value.difference is None:
        skipped["clv"] = "CLV by NPS group needs survey answers with customer_id and nps from promoters and detractors"
    return Insights(texts, analysis, summary, discovery, impact, importance, grid, features, churn, loyalty, value,
                    skipped, confidence)


def _z(confidence: float) -> float:
    from scipy import special

    return float(special.ndtri(0.5 + confidence / 2))


def _row(kind: str, subject: str, kpi: str, finding: str, effect: float, low: float, high: float, n: int,
         evidence: str) -> dict:
    return {"kind": kind, "subject": subject, "kpi": kpi, "finding": finding, "effect": float(effect),
            "ci_low": float(low), "ci_high": float(high), "n": int(n), "evidence": evidence}


def _rating(column: str) -> str:
    """A driver column as a sentence names it: ``"rating_coffee_quality"`` → ``"the coffee quality rating"``."""
    return f"the {column.removeprefix('rating_').replace('_', ' ')} rating"


def _driver_rows(parts: Insights) -> list[dict]:
    level = f"{parts.confidence:.0%}"
    importance, grid = parts.importance, parts.grid
    if importance is None:
        return []
    top = importance.iloc[0]
    third = importance.iloc[min(2, len(importance) - 1)]
    apart = "above" if top["ci_low"] > third["ci_high"] else "overlapping"
    rows = [_row("driver", top["driver"], "nps",
                 f"{_rating(top['driver']).capitalize()} explains the most of NPS: {top['rescaled']:.0f}% of the "
                 "explained variance "
                 f"({level} interval {top['ci_low']:.0f}–{top['ci_high']:.0f}%; R² = {top['r2']:.2f}, "
                 f"n = {top['n']:,}); "
                 f"its interval lies {apart} the third-ranked driver's ({_rating(third['driver'])}, "
                 f"{third['ci_low']:.0f}–{third['ci_high']:.0f}%).",
                 top["rescaled"], top["ci_low"], top["ci_high"], top["n"],
                 "Shapley (LMG) decomposition of R², NPS on the rating_* drivers; percentile bootstrap")]
    mean_performance = grid["performance"].mean()
    places = grid.set_index("driver").loc[importance["driver"]]
    for driver_row, place in zip(importance.itertuples(), places.itertuples()):
        if place.quadrant != "concentrate here":
            continue
        rows.append(_row("priority", driver_row.driver, "nps",
                         f"{_rating(driver_row.driver).capitalize()} matters ({driver_row.rescaled:.0f}% of explained "
                         "NPS variance, "
                         f"{driver_row.ci_low:.0f}–{driver_row.ci_high:.0f}%) but is rated below the average driver "
                         f"({place.performance:.2f} against {mean_performance:.2f}): concentrate here.",
                         driver_row.rescaled, driver_row.ci_low, driver_row.ci_high, driver_row.n,
                         "importance–performance grid: Shapley importance against mean rating"))
    return rows


def _score_text(value: float, measure: str) -> str:
    return f"NPS {value:+.1f}" if measure == "nps" else f"{value:.2f} stars"


def _theme_rows(parts: Insights) -> list[dict]:
    level = f"{parts.confidence:.0%}"
    impact = parts.impact
    if impact.empty:
        return []
    rows = []
    taxonomy = impact[(impact["origin"] == "taxonomy") & ((impact["ci_low"] > 0) | (impact["ci_high"] < 0))]
    for r in taxonomy.itertuples():
        unit = "points" if r.measure == "nps" else "stars"
        sentence = (f"{r.source.capitalize()} mentioning {r.theme}: {_score_text(r.score_with, r.measure)} against "
                    f"{_score_text(r.score_without, r.measure)} without ({r.effect:+.2f} {unit}, {level} interval "
                    f"{r.ci_low:+.2f} to {r.ci_high:+.2f}; {r.texts:,} of {r.n:,}).")
        if r.moved:
            sentence += (f" If its {r.negative_texts:,} negative mentions were neutral, the score would be "
                         f"{_score_text(r.if_neutral, r.measure)} instead of {_score_text(r.score, r.measure)} "
                         f"({r.gain:+.2f}, {r.gain_ci_low:+.2f} to {r.gain_ci_high:+.2f}).")
        rows.append(_row("theme", f"{r.theme} ({r.source})", _MEASURE_KPIS[r.measure], sentence, r.effect,
                         r.ci_low, r.ci_high, r.n,
                         "theme_impact: texts with against without the theme; NPS difference (Wald) or Welch t; "
                         "if-neutral: detractors (1–2 stars) with a negative mention moved to neutral"))
    return rows


def _new_theme_rows(parts: Insights) -> list[dict]:
    if parts.discovery is None or parts.impact.empty:
        return []
    found = parts.impact[(parts.impact["origin"] == "discovered") & (parts.impact["gain_ci_low"] > 0)]
    found = found.sort_values("gain", ascending=False).drop_duplicates("theme").head(_NEW_THEMES)
    topics = parts.discovery.topics.set_index("label")
    rows = []
    for r in found.itertuples():
        topic = topics.loc[r.theme]
        quote = topic["quotes"].split(" | ")[0]
        rows.append(_row("new theme", r.theme, _MEASURE_KPIS[r.measure],
                         f"A theme the taxonomy misses — {topic['top_terms']} — in {topic['texts']:,} texts (e.g. "
                         f"\"{quote}\"). In {r.source}, its {r.negative_texts:,} negative mentions cost "
                         f"{r.gain:.2f} {'NPS points' if r.measure == 'nps' else 'stars'} "
                         f"({r.gain_ci_low:.2f} to {r.gain_ci_high:.2f}). Suggested taxonomy entry: "
                         f"{topic['suggested_entry']}",
                         r.gain, r.gain_ci_low, r.gain_ci_high, r.n,
                         "TF-IDF + NMF over clauses no taxonomy theme matches; theme_impact if-neutral gain"))
    return rows


_CHURN_WORDS = {"early_orders": "each order in the first 90 days", "tenure_years": "each year as a customer",
                "tickets": "each support ticket", "reopened_tickets": "each reopened ticket",
                "detractor": "a detractor (against a passive)", "promoter": "a promoter (against a passive)",
                "no_survey": "a customer who never answered the survey (against a passive)"}


def _churn_rows(parts: Insights, after_days: int) -> list[dict]:
    level = f"{parts.confidence:.0%}"
    features = parts.churn_features
    if features is None:
        return []
    if parts.churn is None:
        churned, n = int(features["churned"].sum()), len(features)
        share = stats.wilson_interval(churned, n, parts.confidence)
        return [_row("churn", "churn model", "churn",
                     f"Churn cannot be modelled: {churned:,} of {n:,} customers churned (no transaction in the "
                     f"last {after_days:,} days), {100 * share.proportion:.1f}% ({level} interval "
                     f"{100 * share.ci_low:.1f}–"
                     f"{100 * share.ci_high:.1f}%); a model needs at least {drivers.MIN_EVENTS} churned and "
                     f"{drivers.MIN_EVENTS} retained customers.",
                     100 * share.proportion, 100 * share.ci_low, 100 * share.ci_high, n,
                     "churn rule of cxnb.metrics.churn with the config's churn_after_days; Wilson interval")]
    rows = []
    for r in parts.churn.itertuples():
        if r.ci_low <= 1 <= r.ci_high:
            continue
        change = 100 * (r.odds_ratio - 1)
        words = _CHURN_WORDS.get(r.driver, f"each unit of {r.driver}")
        rows.append(_row("churn", r.driver, "churn",
                         f"Odds of churning are {abs(change):.0f}% {'higher' if change > 0 else 'lower'} for {words} "
                         f"(odds ratio {r.odds_ratio:.2f}, {level} interval {r.ci_low:.2f}–{r.ci_high:.2f}; "
                         f"{r.n:,} customers, {r.events:,} churned).",
                         change, 100 * (r.ci_low - 1), 100 * (r.ci_high - 1), r.n,
                         "logistic regression of churn on tickets, survey answer and behaviour; Wald interval; "
                         "effect = % change in the odds"))
    return rows


def _revenue_rows(parts: Insights, z: float, currency: str) -> list[dict]:
    level = f"{parts.confidence:.0%}"
    loyalty = parts.loyalty
    if loyalty is None or not {"promoter", "detractor"} <= set(loyalty["group"]):
        return []
    by = loyalty.set_index("group")
    pro, det = by.loc["promoter"], by.loc["detractor"]
    n = int(pro["customers"] + det["customers"])
    # spend: normal approximation from the two percentile-bootstrap intervals
    se = math.hypot((pro["spend_ci_high"] - pro["spend_ci_low"]) / (2 * z),
                    (det["spend_ci_high"] - det["spend_ci_low"]) / (2 * z))
    spend = pro["spend_per_year"] - det["spend_per_year"]
    kept = stats.two_proportion_test(round(pro["retained"] * pro["customers"] / 100), int(pro["customers"]),
                                     round(det["retained"] * det["customers"] / 100), int(det["customers"]),
                                     confidence=parts.confidence)
    return [
        _row("revenue", "spend: promoters vs detractors", "spend",
             f"Promoters spend {currency}{pro['spend_per_year']:,.2f} a year against {currency}"
             f"{det['spend_per_year']:,.2f} for detractors ({spend:+,.2f}, {level} interval {spend - z * se:+,.2f} "
             f"to {spend + z * se:+,.2f}; {n:,} customers).",
             spend, spend - z * se, spend + z * se, n,
             "latest NPS answer per customer; annual spend over a year or more; bootstrap intervals per group"),
        _row("revenue", "retention: promoters vs detractors", "retention",
             f"{pro['retained']:.0f}% of promoters are still buying against {det['retained']:.0f}% of detractors "
             f"({100 * kept.difference:+.1f} points, {level} interval {100 * kept.ci_low:+.1f} to "
             f"{100 * kept.ci_high:+.1f}; {n:,} customers).",
             100 * kept.difference, 100 * kept.ci_low, 100 * kept.ci_high, n,
             "churn rule of cxnb.metrics.churn; Newcombe interval of the difference in retention"),
    ]


def _clv_rows(parts: Insights, currency: str) -> list[dict]:
    value, level = parts.clv, f"{parts.confidence:.0%}"
    if value.difference is None:
        return []
    by, d = value.by_nps.set_index("nps_group"), value.difference
    pro, det = by.loc["promoter"], by.loc["detractor"]
    return [_row("revenue", "CLV: promoters vs detractors", "clv",
                 f"Promoters' predicted {value.fit.horizon_months}-month CLV is {currency}{pro['value']:,.2f} against "
                 f"{currency}{det['value']:,.2f} for detractors ({d.estimate:+,.2f}, {level} interval "
                 f"{d.ci_low:+,.2f} to {d.ci_high:+,.2f}; {d.n:,} customers).",
                 d.estimate, d.ci_low, d.ci_high, d.n,
                 "BG/NBD + Gamma-Gamma maximum likelihood (cxnb.clv), discounted; latest NPS answer per customer; "
                 "bootstrap over customers within each group")]


def _sentiment_rows(parts: Insights) -> list[dict]:
    level = f"{parts.confidence:.0%}"
    summary = parts.summary
    if summary.empty:
        return []
    worst = summary.iloc[0]
    return [_row("sentiment", worst["theme"], "sentiment",
                 f"{worst['theme']} is the most negatively discussed theme: mean clause sentiment "
                 f"{worst['mean_sentiment']:+.2f} ({level} interval {worst['ci_low']:+.2f} to {worst['ci_high']:+.2f}) "
                 f"in {worst['texts']:,} texts, {worst['negative_share']:.0f}% of its mentions negative.",
                 worst["mean_sentiment"], worst["ci_low"], worst["ci_high"], worst["texts"],
                 "VADER compound per clause (domain words neutral), taxonomy themes; t interval")]


def rank(parts: Insights, *, after_days: int, currency: str = "") -> pd.DataFrame:
    """The findings of :func:`compute` as one ranked table.

    Kinds come in the order of :data:`KINDS` (drivers, themes, new themes, churn, revenue,
    priorities, sentiment); within a kind, findings are ordered by the strength of their
    evidence, ``|effect| / half-width of the interval`` — except themes, most damaging first
    (``effect / half-width`` ascending, so NPS points and stars compare). Only findings whose
    interval excludes "no effect" are listed (0 for differences, an odds ratio of 1 for churn),
    plus a churn model that could not be fitted, which is a finding.

    Parameters
    ----------
    parts : Insights
        From :func:`compute`.
    after_days : int
        The churn rule (``config.churn_after_days``), named in the sentences.
    currency : str
        Shown before money amounts (``config.currency``, e.g. "£").

    Returns
    -------
    DataFrame
        ``kind, subject``, ``kpi`` (what the finding moves: a KPI of the catalogue — ``nps``,
        ``churn``, ``retention``, ``clv`` — or ``review rating``, ``spend``, ``sentiment``),
        ``finding`` (a sentence built from the numbers), ``effect, ci_low,
        ci_high`` (on the scale the sentence names: % of explained variance, NPS points or
        stars, % change in the odds of churning, money a year, retention points, money of
        predicted CLV, sentiment),
        ``n`` (base) and ``evidence`` (the method).
    """
    z = _z(parts.confidence)
    rows = (_driver_rows(parts) + _theme_rows(parts) + _new_theme_rows(parts) + _churn_rows(parts, after_days)
            + _revenue_rows(parts, z, currency) + _clv_rows(parts, currency) + _sentiment_rows(parts))
    table = pd.DataFrame(rows, columns=COLUMNS)
    if table.empty:
        return table
    keep = (table["ci_low"] > 0) | (table["ci_high"] < 0) | (table["subject"] == "churn model")
    table = table[keep]
    half = (table["ci_high"] - table["ci_low"]) / 2
    signal = (table["effect"] / half.where(half > 0)).fillna(np.inf)
    order = np.where(table["kind"] == "theme", signal, -signal.abs())
    table = table.assign(_kind=table["kind"].map(KINDS.index), _order=order)
    table = table.sort_values(["_kind", "_order"], kind="stable").drop(columns=["_kind", "_order"])
    return table.reset_index(drop=True)


def headlines(table: pd.DataFrame, n: int = 5) -> list[str]:
    """The report's front-page findings: the first finding of each kind, in rank order.

    Examples
    --------
    >>> table = pd.DataFrame({"kind": ["driver", "theme", "theme", "churn"], "finding": ["a", "b", "c", "d"]})
    >>> headlines(table, n=2)
    ['a', 'b']
    >>> headlines(table)
    ['a', 'b', 'd']
    """
    return table.groupby("kind", sort=False).head(1)["finding"].head(n).tolist()


def insights(bundle, *, n_boot: int = 200, processes: int | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Ranked findings of step 6 for a client: ``rank(compute(bundle, ...))``.

    Returns
    -------
    DataFrame
        ``kind, subject, kpi, finding, effect, ci_low, ci_high, n, evidence`` (see :func:`rank`).

    Examples
    --------
    >>> from cxnb import load_sample
    >>> table = insights(load_sample("b2b"), n_boot=20)
    >>> list(table.columns)
    ['kind', 'subject', 'kpi', 'finding', 'effect', 'ci_low', 'ci_high', 'n', 'evidence']
    >>> table.iloc[0][["kind", "subject"]].tolist()
    ['driver', 'rating_reliability']
    """
    parts = compute(bundle, n_boot=n_boot, processes=processes, confidence=confidence)
    return rank(parts, after_days=bundle.config.churn_after_days, currency=bundle.config.currency)
