"""Personas (step 1 of the CX method): who the customers are and what they want.

The pipeline, one function per step:

1. :func:`customer_voices` — every English comment and review of a known customer, redacted,
   with its sentiment and the themes it mentions (:mod:`cxnb.text`).
2. :func:`customer_features` — one row per active customer: behaviour (tenure, purchases,
   spend, channel mix, contact rate), attitude (latest NPS and CSAT, sentiment), needs (theme
   mentions) and the customer attributes.
3. :func:`segment` — k-means on scaled numeric features and one-hot encoded categories; the
   number of segments is chosen by silhouette **and** stability (mean adjusted Rand index of
   bootstrap refits), seeded; the analyst can fix ``k``.
4. :func:`name_segments` — a short name from each segment's distinguishing traits (value
   level and the channel it leans on most, e.g. ``"high-value, app-first"``), never typed.
5. :func:`profiles`, :func:`empathy_map`, :func:`persona_card` — size, NPS and CSAT with
   intervals, value, preferred channels, needs, pains and gains, redacted quotes.

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> toy = pd.DataFrame({"customer_id": [f"C{i}" for i in range(90)],
...                     "spend": np.r_[rng.normal(10, 1, 45), rng.normal(50, 1, 45)],
...                     "plan": ["basic"] * 45 + ["gold"] * 45})
>>> result = segment(toy, seed=7, ks=range(2, 5), n_boot=5)
>>> result.k, result.labels["segment"].value_counts().tolist()
(2, [45, 45])
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxnb import metrics
from cxnb.errors import CxnbError
from cxnb.redact import redact_series
from cxnb.stats import t_interval
from cxnb.text import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD

__all__ = [
    "CHANNEL_TABLES",
    "Segmentation",
    "customer_voices",
    "customer_features",
    "segment",
    "name_segments",
    "personas_table",
    "lifetime_value",
    "profiles",
    "empathy_map",
    "persona_card",
    "persona_views",
]

# Tables whose rows carry the channel a customer used, in the order they are shown.
CHANNEL_TABLES = ("events", "transactions", "tickets")
_SHARE = re.compile(r"^share_(events|transactions|tickets)_(.+)$")
_QUOTE_CHARS = 220
_MIN_TEXTS = 10  # a theme needs this many of a persona's texts to count as one of its pains or gains


# ---------------------------------------------------------------------------------------------
# Customer voices and features


def _text_owner(bundle) -> pd.Series:
    """``"<table>:<id>"`` → customer_id for every comment and review with a known customer."""
    from cxnb.quality import FREE_TEXT

    parts = []
    for table, (key, _) in FREE_TEXT.items():
        frame = bundle.tables.get(table)
        if frame is not None and "customer_id" in frame:
            known = frame[[key, "customer_id"]].dropna()
            ids = table + ":" + known[key].astype(str)
            parts.append(pd.Series(known["customer_id"].astype(str).to_numpy(), index=ids))
    return pd.concat(parts) if parts else pd.Series(dtype="str")


def customer_voices(bundle, taxonomy=None) -> pd.DataFrame:
    """Every English comment and review of a known customer with its sentiment and themes.

    Parameters
    ----------
    bundle : Bundle
        The client's data (survey comments in ``responses.comment``, ``reviews.text``).
    taxonomy : dict, optional
        Theme taxonomy (:func:`cxnb.text.load_taxonomy`); default: the client's
        (:func:`cxnb.text.client_taxonomy`).

    Returns
    -------
    pandas.DataFrame
        One row per (text, theme) — a text mentioning no theme appears once with ``theme``
        missing: ``customer_id, text_id, text`` (redacted), ``sentiment`` (the text's VADER
        compound), ``theme`` and ``compound`` (mean VADER compound of the clauses mentioning
        the theme). Texts that are not English and anonymous reviews are left out.

    Examples
    --------
    >>> from cxnb.samples import load_sample
    >>> voices = customer_voices(load_sample("b2b"))
    >>> list(voices.columns)
    ['customer_id', 'text_id', 'text', 'sentiment', 'theme', 'compound']
    """
    from cxnb import text as textlib

    owner = _text_owner(bundle)
    texts = textlib.customer_texts(bundle)
    texts = texts[texts.index.isin(owner.index)]
    columns = ["customer_id", "text_id", "text", "sentiment", "theme", "compound"]
    if texts.empty:
        return pd.DataFrame(columns=columns)
    scored = textlib.sentiment(texts)
    english = scored["language"] == "en"
    texts, scored = texts[english], scored[english]
    taxonomy = taxonomy if taxonomy is not None else textlib.client_taxonomy(bundle.config)
    mentions = textlib.themes(texts, taxonomy)
    per_theme = mentions.groupby(["text_id", "theme"], as_index=False)["compound"].mean()
    base = pd.DataFrame({"text_id": texts.index, "customer_id": owner.reindex(texts.index).to_numpy(),
                         "text": redact_series(texts.astype(str)).to_numpy(),
                         "sentiment": scored["compound"].to_numpy()})
    voices = base.merge(per_theme, on="text_id", how="left")
    return voices[columns].reset_index(drop=True)


def _data_end(bundle) -> pd.Timestamp | None:
    from cxnb.schema import TABLES

    ends = [frame[TABLES[name].time_column].max() for name, frame in bundle.tables.items()
            if name != "customers" and frame.get(TABLES[name].time_column, pd.Series(dtype=float)).notna().any()]
    return max(ends) if ends else None


def _latest(frame: pd.DataFrame, column: str, time: str) -> pd.Series:
    rows = frame[frame[column].notna() & frame["customer_id"].notna()].sort_values(time, kind="stable")
    return rows.groupby("customer_id")[column].last().astype(float)


def customer_features(bundle, voices: pd.DataFrame | None = None, *, as_of=None) -> pd.DataFrame:
    """One row per customer with any recorded activity: behaviour, attitude, needs, attributes.

    Parameters
    ----------
    bundle : Bundle
        The client's validated tables; ``customers`` is required, every other table optional.
    voices : DataFrame, optional
        :func:`customer_voices` of the bundle; without it the attitude and needs columns built
        from text are left out.
    as_of : timestamp, optional
        The date tenure is measured to; default the latest timestamp in the data.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` and, where the tables allow:

        - behaviour: ``tenure_years`` (signup to ``as_of``), ``purchases``, ``spend`` (total
          amount), ``order_value`` (mean amount; missing without purchases),
          ``purchases_per_year`` and ``contacts_per_year`` (tickets) over the tenure (at least a
          quarter of a year), and ``share_<table>_<channel>``: the customer's share of their
          events, transactions and tickets through each channel (missing with no rows in the
          table: an unknown preference, not a zero one);
        - attitude: ``nps`` and ``csat`` (latest answer), ``sentiment`` (mean VADER compound of
          their texts), ``texts``;
        - needs: ``theme_<theme>``, the share of their texts that mention the theme (missing
          without texts);
        - attributes: every other column of ``customers`` but ``signup_date``, as text.

        Customers with no purchase, ticket, event, survey answer or text are left out.

    Examples
    --------
    >>> from cxnb.samples import load_sample
    >>> features = customer_features(load_sample("b2b"))
    >>> len(features), features.filter(like="share_tickets_").columns.tolist()
    (360, ['share_tickets_email', 'share_tickets_phone', 'share_tickets_portal'])
    """
    tables = bundle.tables
    if tables.get("customers") is None:
        raise CxnbError("customer_features needs the customers table; add a `customers` source to the client config")
    customers = tables["customers"].drop_duplicates("customer_id").set_index("customer_id")
    out = pd.DataFrame(index=customers.index.astype(str))
    as_of = pd.Timestamp(as_of) if as_of is not None else _data_end(bundle)
    if "signup_date" in customers and as_of is not None:
        out["tenure_years"] = ((as_of - customers["signup_date"]).dt.total_seconds() / (365.25 * 86400)).clip(lower=0)
    years = out["tenure_years"].clip(lower=0.25) if "tenure_years" in out else pd.Series(1.0, index=out.index)
    active = pd.Series(False, index=out.index)
    tx = tables.get("transactions")
    if tx is not None:
        amounts = tx.groupby("customer_id")["amount"]
        out["purchases"] = amounts.size().reindex(out.index, fill_value=0).astype(float)
        out["spend"] = amounts.sum().astype(float).reindex(out.index, fill_value=0.0)
        out["order_value"] = amounts.mean().astype(float).reindex(out.index)
        out["purchases_per_year"] = out["purchases"] / years
        active |= out["purchases"] > 0
    tickets = tables.get("tickets")
    if tickets is not None:
        contacts = tickets.groupby("customer_id").size().reindex(out.index, fill_value=0)
        out["contacts_per_year"] = contacts / years
        active |= contacts > 0
    for name in CHANNEL_TABLES:
        frame = tables.get(name)
        if frame is None or "channel" not in frame:
            continue
        rows = frame[frame["customer_id"].notna() & frame["channel"].notna()]
        shares = pd.crosstab(rows["customer_id"], rows["channel"], normalize="index")
        shares = shares.reindex(out.index)
        shares.columns = [f"share_{name}_{c}" for c in shares.columns]
        out = out.join(shares.astype(float))
        active |= out.index.isin(rows["customer_id"])
    responses = tables.get("responses")
    if responses is not None:
        for score in ("nps", "csat"):
            if score in responses:
                out[score] = _latest(responses, score, "submitted_at").reindex(out.index)
        active |= out.index.isin(responses["customer_id"].dropna())
    if voices is not None and len(voices):
        per_text = voices.drop_duplicates("text_id")
        texts = per_text.groupby("customer_id")
        out["sentiment"] = texts["sentiment"].mean().reindex(out.index)
        out["texts"] = texts.size().reindex(out.index, fill_value=0).astype(float)
        mentions = voices.dropna(subset=["theme"]).drop_duplicates(["text_id", "theme"])
        counts = pd.crosstab(mentions["customer_id"], mentions["theme"]).reindex(out.index, fill_value=0)
        shares = counts.div(out["texts"].where(out["texts"] > 0), axis=0)
        shares.columns = [f"theme_{c}" for c in shares.columns]
        out = out.join(shares.astype(float))
        active |= out["texts"] > 0
    for column in customers.columns:
        if column != "signup_date" and not pd.api.types.is_datetime64_any_dtype(customers[column]):
            out[column] = customers[column].astype("str")
    out = out[active.to_numpy()]
    return out.rename_axis("customer_id").reset_index()


# ---------------------------------------------------------------------------------------------
# Segmentation


@dataclass(frozen=True)
class Segmentation:
    """Result of :func:`segment`.

    ``labels``: ``customer_id, segment`` (0 = the largest segment); ``selection``: one row per
    candidate k with ``k, silhouette, stability, score, chosen``; ``k`` and ``seed`` used;
    ``numeric`` and ``categorical``: the feature columns clustered; ``logged``: the numeric
    columns log-transformed because of their skew; ``components``: how many principal components
    were clustered and ``explained``: the share of the scaled features' variance they carry (1.0
    without the reduction).
    """

    labels: pd.DataFrame
    selection: pd.DataFrame
    k: int
    seed: int
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    logged: tuple[str, ...]
    components: int
    explained: float


def _design(features: pd.DataFrame, numeric: list[str], categorical: list[str]) -> tuple[np.ndarray, list[str]]:
    """Scaled numeric columns (skewed non-negative ones logged first, missing → median) and
    one-hot categories weighted 1/√2, so two customers in different categories are one
    standard deviation apart, as on a numeric feature."""
    parts, logged = [], []
    for column in numeric:
        x = features[column].astype(float)
        if x.min() >= 0 and x.skew() > 2:
            x = np.log1p(x)
            logged.append(column)
        x = x.fillna(x.median())
        sd = x.std(ddof=0)
        parts.append(((x - x.mean()) / sd).to_numpy() if sd > 0 else np.zeros(len(x)))
    blocks = [np.column_stack(parts)] if parts else []
    for column in categorical:
        dummies = pd.get_dummies(features[column].fillna("(missing)").astype(str)).to_numpy(float)
        blocks.append(dummies / math.sqrt(2))
    return np.hstack(blocks), logged


def _kmeans(x: np.ndarray, k: int, seed: int, n_init: int):
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(x)


def _choose(x: np.ndarray, ks: list[int], seed: int, n_boot: int, rng: np.random.Generator) -> pd.DataFrame:
    from sklearn.metrics import adjusted_rand_score, silhouette_score

    rows = []
    for k in ks:
        reference = _kmeans(x, k, seed, 10)
        silhouette = float(silhouette_score(x, reference.labels_, sample_size=min(len(x), 3000), random_state=seed))
        agreement = []
        for b in range(n_boot):
            resample = x[rng.integers(0, len(x), len(x))]
            refit = _kmeans(resample, k, seed + b + 1, 3)
            agreement.append(adjusted_rand_score(reference.labels_, refit.predict(x)))
        stability = float(np.mean(agreement))
        rows.append({"k": k, "silhouette": silhouette, "stability": stability, "score": silhouette * stability})
    return pd.DataFrame(rows)


def segment(features: pd.DataFrame, *, k: int | None = None, ks=range(2, 8), seed: int, n_boot: int = 10,
            sample: int = 20_000, variance: float = 0.6, numeric: list[str] | None = None,
            categorical: list[str] | None = None, exclude: tuple[str, ...] = ("texts",)) -> Segmentation:
    """Segment customers with k-means on mixed numeric and categorical features.

    Numeric features are scaled (skewed non-negative ones — skewness above 2, e.g. spend —
    are log-transformed first; missing values take the column's median); categories are
    one-hot encoded and weighted 1/√2 so that a different category counts as much as one
    standard deviation on a numeric feature. The customers are then placed on the principal
    components that explain ``variance`` of the total: the main axes along which customers
    differ, without the noise of many weak features (theme shares from a handful of texts,
    scores imputed for customers who never answered). Unless ``k`` is fixed, every k in ``ks``
    is fitted on (a seeded sample of at most ``sample`` of) the customers and scored by

    - **silhouette**: how well separated the segments are (Rousseeuw 1987), on up to 3,000 of them;
    - **stability**: the mean adjusted Rand index (Hubert & Arabie 1985) between the segments
      and those of ``n_boot`` k-means refits on bootstrap resamples (Hennig 2007);

    and the k with the largest silhouette × stability is chosen. The final k-means runs on
    every customer. Everything random is seeded from ``seed``.

    Parameters
    ----------
    features : DataFrame
        ``customer_id`` and the features, e.g. :func:`customer_features`.
    k : int, optional
        Fix the number of segments instead of choosing it.
    ks : iterable of int
        Candidate numbers of segments.
    seed : int
        Seed of every random step (take it from the client config).
    n_boot : int
        Bootstrap refits per candidate k for the stability score.
    sample : int
        At most this many customers (a seeded random sample) are used to choose k.
    variance : float
        Share of the variance the principal components kept must explain (1: no reduction).
    numeric, categorical : list of str, optional
        Columns to use; default every numeric / text column but ``customer_id`` and ``exclude``.
    exclude : tuple of str
        Columns never used (by default ``texts``, a count of texts, not a trait).

    Returns
    -------
    Segmentation
        See :class:`Segmentation`; segments are numbered by size, largest first.
    """
    if "customer_id" not in features:
        raise CxnbError("segment expects a frame with a customer_id column, e.g. customer_features(bundle)")
    skip = {"customer_id", *exclude}
    if numeric is None:
        numeric = [c for c in features.columns if c not in skip and pd.api.types.is_numeric_dtype(features[c])
                   and features[c].notna().any()]
    if categorical is None:
        categorical = [c for c in features.columns if c not in skip and c not in numeric
                       and not pd.api.types.is_numeric_dtype(features[c])]
    missing = sorted((set(numeric) | set(categorical)) - set(features.columns))
    if missing:
        raise CxnbError(f"segment: the features frame has no column(s) {', '.join(missing)}")
    if not numeric and not categorical:
        raise CxnbError("segment: no feature columns to cluster on (only customer_id given)")
    ks = sorted({int(v) for v in ([k] if k is not None else ks)})
    if ks[0] < 2 or ks[-1] >= len(features):
        raise CxnbError(f"segment: k must be between 2 and {len(features) - 1} (the customers less one); got {ks}")
    if not 0 < variance <= 1:
        raise CxnbError(f"segment: variance must be a share in (0, 1]; got {variance!r}")
    import sklearn.cluster  # noqa: F401  (loads the OpenMP runtime, so that the limit below applies to it)
    from threadpoolctl import threadpool_limits

    x, logged = _design(features, numeric, categorical)
    explained = 1.0
    if variance < 1:
        from sklearn.decomposition import PCA

        pca = PCA(n_components=variance, svd_solver="full")
        x = pca.fit_transform(x)
        explained = float(pca.explained_variance_ratio_.sum())
    rng = np.random.default_rng(seed)
    chosen_rows = rng.choice(len(x), sample, replace=False) if len(x) > sample else np.arange(len(x))
    # Many small fits: one thread each is faster than paying for a thread pool per fit
    # (measured 0.03 s vs 0.8 s for one k-means of 5,000 × 43 on two busy cores).
    with threadpool_limits(limits=1):
        selection = _choose(x[chosen_rows], ks, seed, n_boot, rng)
        best = int(selection.loc[selection["score"].idxmax(), "k"])
        selection["chosen"] = selection["k"] == best
        final = _kmeans(x, best, seed, 10).labels_
    order = pd.Series(final).value_counts().index  # renumber: 0 = largest segment
    labels = pd.Series(final).map({old: new for new, old in enumerate(order)}).to_numpy()
    frame = pd.DataFrame({"customer_id": features["customer_id"].to_numpy(), "segment": labels})
    return Segmentation(frame, selection, best, seed, tuple(numeric), tuple(categorical), tuple(logged), x.shape[1],
                        explained)


# ---------------------------------------------------------------------------------------------
# Names


def _effects(features: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Standardised difference of each segment's mean from everyone's, per numeric feature."""
    data = features.merge(labels, on="customer_id")
    numeric = [c for c in features.columns if c != "customer_id" and pd.api.types.is_numeric_dtype(features[c])]
    values = data[numeric].astype(float)
    for column in ("spend", "order_value", "purchases", "purchases_per_year", "contacts_per_year"):
        if column in values:
            values[column] = np.log1p(values[column].clip(lower=0))
    sd = values.std().replace(0, np.nan)
    return ((values.groupby(data["segment"]).mean() - values.mean()) / sd).fillna(0.0)


def _value_word(d: float) -> str:
    return "high-value" if d > 0.5 else "low-value" if d < -0.5 else "mid-value"


def _attitude_word(d: float) -> str | None:
    return "promoters" if d > 0.5 else "detractors" if d < -0.5 else None


def name_segments(features: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """A short name per segment from its distinguishing traits, never typed by hand.

    The name is the segment's value level (``high-value``/``low-value`` when its mean log spend
    lies more than half a standard deviation above/below everyone's, else ``mid-value``) and the
    channel it leans on most (the ``share_<table>_<channel>`` feature with the largest
    standardised excess over everyone's: ``"<channel>-first"``). Where two segments would share
    a name, their attitude (``promoters``/``detractors``, latest NPS half a standard deviation
    from everyone's) or, failing that, their most over-represented attribute is added.

    Returns
    -------
    pandas.DataFrame
        ``segment, persona`` (the name) and ``traits`` (the three features that set the segment
        apart most, with their standardised difference).

    Examples
    --------
    >>> import pandas as pd
    >>> features = pd.DataFrame({"customer_id": list("abcdef"), "spend": [900, 1000, 950, 10, 12, 9],
    ...     "share_tickets_chat": [0.9, 1, 0.8, 0, 0.1, 0], "share_tickets_phone": [0.1, 0, 0.2, 1, 0.9, 1]})
    >>> labels = pd.DataFrame({"customer_id": list("abcdef"), "segment": [0, 0, 0, 1, 1, 1]})
    >>> name_segments(features, labels)[["segment", "persona"]]
       segment                 persona
    0        0   high-value, chat-first
    1        1  low-value, phone-first
    """
    effects = _effects(features, labels)
    shares = [c for c in effects.columns if _SHARE.match(c)]
    rows = []
    for seg, d in effects.iterrows():
        parts = [_value_word(d["spend"])] if "spend" in d else []
        if shares:
            parts.append(f"{_SHARE.match(d[shares].idxmax()).group(2)}-first")
        top = d.abs().sort_values(ascending=False).head(3).index
        rows.append({"segment": int(seg), "parts": parts, "traits": "; ".join(f"{c} {d[c]:+.1f} SD" for c in top)})
    names = pd.DataFrame(rows)
    base = names["parts"].map(", ".join)
    clashes = base.duplicated(keep=False)
    data = features.merge(labels, on="customer_id")
    categorical = [c for c in features.columns if c != "customer_id" and not pd.api.types.is_numeric_dtype(features[c])]
    for i in np.flatnonzero(clashes.to_numpy()):
        seg = names.at[i, "segment"]
        extra = _attitude_word(effects.loc[seg, "nps"]) if "nps" in effects else None
        if extra is None and categorical:
            mine = data[data["segment"] == seg]
            lifts = {(c, v): share / data[c].value_counts(normalize=True)[v]
                     for c in categorical for v, share in mine[c].value_counts(normalize=True).items() if share >= 0.4}
            if lifts:
                column, value = max(lifts, key=lifts.get)
                extra = f"{column} {value}"
        names.at[i, "parts"] = names.at[i, "parts"] + [extra or f"segment {seg + 1}"]
    names["persona"] = names["parts"].map(", ".join)
    repeated = names["persona"].duplicated(keep=False)
    names.loc[repeated, "persona"] = [f"{n} ({s + 1})" for n, s in names.loc[repeated, ["persona", "segment"]].values]
    return names[["segment", "persona", "traits"]]


def personas_table(segmentation: Segmentation, features: pd.DataFrame) -> pd.DataFrame:
    """``customer_id, segment, persona`` for every segmented customer — the artifact later
    steps read."""
    names = name_segments(features, segmentation.labels)
    return segmentation.labels.merge(names[["segment", "persona"]], on="segment")


# ---------------------------------------------------------------------------------------------
# Profiles, empathy map and cards


def _top_channels(features: pd.DataFrame, members: pd.Series, table: str, top: int = 2) -> str:
    columns = [c for c in features.columns if c.startswith(f"share_{table}_")]
    mine = features.loc[members, columns].dropna(how="all")
    if mine.empty:
        return ""
    mean = mine.mean().sort_values(ascending=False).head(top)
    return ", ".join(f"{c.removeprefix(f'share_{table}_')} {v:.0%}" for c, v in mean.items() if v > 0)


def _theme_table(voices: pd.DataFrame, personas: pd.DataFrame) -> pd.DataFrame:
    """Per persona and theme: texts, share of the persona's texts and mean sentiment."""
    data = voices.merge(personas[["customer_id", "persona"]], on="customer_id")
    texts = data.drop_duplicates("text_id").groupby("persona").size()
    mentions = data.dropna(subset=["theme"]).groupby(["persona", "theme"])
    table = mentions.agg(texts=("text_id", "nunique"), sentiment=("compound", "mean")).reset_index()
    table["share"] = table["texts"] / table["persona"].map(texts)
    table["counted"] = table["texts"] >= _MIN_TEXTS
    return table


def lifetime_value(bundle, *, horizon_months: int = 12) -> tuple[pd.DataFrame | None, str]:
    """Each customer's predicted CLV (:func:`cxnb.clv.fit_clv`: BG/NBD and Gamma-Gamma), and a
    sentence saying what it is — or, when the transactions cannot support the models, None and
    the reason (value is then shown as spend only).

    Returns
    -------
    (DataFrame or None, str)
        ``customer_id, clv`` and the note.
    """
    from cxnb.clv import fit_clv
    from cxnb.errors import FitError

    transactions = bundle.tables.get("transactions")
    if transactions is None:
        return None, "CLV is not shown: the client has no transactions table."
    try:
        fit = fit_clv(transactions, horizon_months=horizon_months)
    except FitError as error:
        return None, f"CLV is not shown, value is total spend only: {error}"
    note = (f"CLV is the discounted spend each customer is expected to make in the next {horizon_months} months "
            f"(BG/NBD and Gamma-Gamma fitted on {len(fit.customers):,} buyers, {fit.discount_rate:.0%} a year).")
    return fit.customers[["customer_id", "clv"]].copy(), note


def _pains_and_gains(themes: pd.DataFrame, top: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A persona's pains (mean sentiment at most -0.05, worst first) and gains (at least +0.05,
    best first) among the themes enough of its texts mention (:func:`_theme_table`)."""
    counted = themes[themes["counted"]]
    return (counted[counted["sentiment"] <= NEGATIVE_THRESHOLD].nsmallest(top, "sentiment"),
            counted[counted["sentiment"] >= POSITIVE_THRESHOLD].nlargest(top, "sentiment"))


def profiles(features: pd.DataFrame, personas: pd.DataFrame, bundle, voices: pd.DataFrame | None = None, *,
             clv: pd.DataFrame | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """One profile per persona: size, attitude and value with intervals, channels and needs.

    Parameters
    ----------
    features : DataFrame
        :func:`customer_features` of the bundle.
    personas : DataFrame
        ``customer_id, segment, persona`` (:func:`personas_table`).
    bundle : Bundle
        For the survey answers behind NPS and CSAT.
    voices : DataFrame, optional
        :func:`customer_voices`, for needs, pains and gains.
    clv : DataFrame, optional
        ``customer_id, clv`` (:func:`lifetime_value`), for the mean CLV of each persona.

    Returns
    -------
    pandas.DataFrame
        One row per persona, largest first: ``segment, persona, customers, share`` (% of
        segmented customers); ``nps, nps_low, nps_high, nps_n`` (all their survey answers,
        adjusted Wald interval) and ``csat, csat_low, csat_high, csat_n`` (top-2-box %,
        Wilson); ``spend, spend_low, spend_high`` (mean total spend per customer, t interval)
        and, with ``clv``, ``clv, clv_low, clv_high, clv_n`` (mean CLV of its buyers, t interval);
        ``purchases_per_year, contacts_per_year``; ``events_channels, transactions_channels,
        tickets_channels`` (top two channels with the persona's mean share); ``needs`` (the
        three themes most of their texts mention), ``pains`` (themes with a negative mean
        sentiment, at most -0.05, worst first) and ``gains`` (at least +0.05, best first), each
        among the themes at least 10 of the persona's texts mention.
    """
    config = bundle.config
    rows = []
    data = features.merge(personas[["customer_id", "segment", "persona"]], on="customer_id")
    responses = bundle.tables.get("responses")
    scored = responses.merge(personas[["customer_id", "persona"]], on="customer_id") if responses is not None else None
    kpis = {}
    if scored is not None and "nps" in scored:
        kpis["nps"] = metrics.nps(scored, by="persona", min_base=config.min_base, confidence=confidence)
    if scored is not None and "csat" in scored:
        kpis["csat"] = metrics.csat(scored, scale=config.scales.csat, by="persona", min_base=config.min_base,
                                    confidence=confidence)
    themes = _theme_table(voices, personas) if voices is not None and len(voices) else None
    for (seg, name), group in data.groupby(["segment", "persona"], sort=True):
        members = features["customer_id"].isin(group["customer_id"])
        row = {"segment": seg, "persona": name, "customers": len(group), "share": 100 * len(group) / len(data)}
        for kpi, table in kpis.items():
            hit = table[table["persona"] == name]
            value = hit.iloc[0] if len(hit) else None
            row |= {kpi: value["value"] if value is not None else math.nan,
                    f"{kpi}_low": value["ci_low"] if value is not None else math.nan,
                    f"{kpi}_high": value["ci_high"] if value is not None else math.nan,
                    f"{kpi}_n": int(value["n"]) if value is not None else 0}
        if "spend" in group:
            interval = t_interval(group["spend"].to_numpy(float), confidence)
            row |= {"spend": interval.mean, "spend_low": interval.ci_low, "spend_high": interval.ci_high}
        if clv is not None:
            values = clv.loc[clv["customer_id"].isin(group["customer_id"]), "clv"].to_numpy(float)
            interval = t_interval(values, confidence)
            row |= {"clv": interval.mean, "clv_low": interval.ci_low, "clv_high": interval.ci_high, "clv_n": interval.n}
        for column in ("purchases_per_year", "contacts_per_year"):
            if column in group:
                row[column] = float(group[column].mean())
        for table in CHANNEL_TABLES:
            row[f"{table}_channels"] = _top_channels(features, members, table)
        if themes is not None:
            mine = themes[themes["persona"] == name]
            row["needs"] = ", ".join(mine.nlargest(3, "share")["theme"])
            pains, gains = _pains_and_gains(mine)
            row["pains"], row["gains"] = ", ".join(pains["theme"]), ", ".join(gains["theme"])
        rows.append(row)
    return pd.DataFrame(rows).sort_values("segment").reset_index(drop=True)


def _quotes(voices: pd.DataFrame, customers: pd.Series, themes: list[str], n: int) -> list[str]:
    """One quote per theme: the persona's text on that theme whose sentiment is closest to the
    persona's mean sentiment on it (a typical voice, not the loudest)."""
    mine = voices[voices["customer_id"].isin(customers) & voices["theme"].isin(themes)]
    quotes, used = [], set()
    for theme in themes:
        rows = mine[(mine["theme"] == theme) & ~mine["text_id"].isin(used)]
        if rows.empty:
            continue
        typical = rows.iloc[int(np.argmin(np.abs(rows["compound"].to_numpy() - rows["compound"].mean())))]
        used.add(typical["text_id"])
        text = typical["text"]
        quotes.append(text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS - 1].rstrip() + "…")
    return quotes[:n]


def empathy_map(profile: pd.DataFrame, personas: pd.DataFrame, voices: pd.DataFrame, *,
                quotes: int = 3) -> pd.DataFrame:
    """The empathy map of each persona, built from data.

    - **says**: representative redacted quotes (one per top need: the text closest to the
      persona's mean sentiment on it);
    - **thinks & feels**: NPS and CSAT with intervals, and how they feel about each need;
    - **does**: the channels they use, how often they buy and contact support;
    - **pains** and **gains**: themes they speak of negatively and positively (mean sentiment
      beyond ±0.05, in at least 10 of their texts), with the mean sentiment.

    Parameters
    ----------
    profile : DataFrame
        :func:`profiles`.
    personas, voices : DataFrame
        :func:`personas_table` and :func:`customer_voices`.

    Returns
    -------
    pandas.DataFrame
        ``persona, quadrant, item``: one line of text per row, quadrants in the order
        ``says, thinks & feels, does, pains, gains``.
    """
    themes = _theme_table(voices, personas) if len(voices) else pd.DataFrame(
        columns=["persona", "theme", "texts", "sentiment", "share", "counted"])
    rows = []
    for _, p in profile.iterrows():
        name = p["persona"]
        customers = personas.loc[personas["persona"] == name, "customer_id"]
        mine = themes[themes["persona"] == name].sort_values("share", ascending=False)
        said = _quotes(voices, customers, mine["theme"].head(quotes).tolist(), quotes)
        lines = {"says": [f"“{q}”" for q in said],
                 "thinks & feels": [], "does": [], "pains": [], "gains": []}
        for kpi, label in (("nps", "NPS {v:+.0f} [{lo:+.0f}, {hi:+.0f}], n = {n:,}"),
                           ("csat", "CSAT {v:.0f}% satisfied [{lo:.0f}–{hi:.0f}], n = {n:,}")):
            if kpi in p and pd.notna(p[kpi]):
                lines["thinks & feels"].append(label.format(v=p[kpi], lo=p[f"{kpi}_low"], hi=p[f"{kpi}_high"],
                                                            n=int(p[f"{kpi}_n"])))
        for _, t in mine.head(3).iterrows():
            mood = ("positive" if t["sentiment"] >= POSITIVE_THRESHOLD else
                    "negative" if t["sentiment"] <= NEGATIVE_THRESHOLD else "mixed")
            lines["thinks & feels"].append(
                f"{mood} about {t['theme']} ({t['sentiment']:+.2f}, {t['share']:.0%} of texts)")
        for table in CHANNEL_TABLES:
            if p.get(f"{table}_channels"):
                lines["does"].append(f"{table}: {p[f'{table}_channels']}")
        if pd.notna(p.get("purchases_per_year", math.nan)):
            lines["does"].append(f"{p['purchases_per_year']:.1f} purchases a year")
        if pd.notna(p.get("contacts_per_year", math.nan)):
            lines["does"].append(f"{p['contacts_per_year']:.2f} support contacts a year")
        for quadrant, chosen in zip(("pains", "gains"), _pains_and_gains(mine)):
            lines[quadrant] = [f"{t['theme']} ({t['sentiment']:+.2f}, {t['texts']:,} texts)"
                               for _, t in chosen.iterrows()]
        for quadrant, items in lines.items():
            rows += [{"persona": name, "quadrant": quadrant, "item": item} for item in (items or ["(no data)"])]
    return pd.DataFrame(rows, columns=["persona", "quadrant", "item"])


def persona_card(profile: pd.DataFrame, *, currency: str = "") -> pd.DataFrame:
    """The lines of each persona's card: ``persona, field, value`` (all text), fields in the
    order ``size, NPS, CSAT, value, CLV, buys, contacts, channels, needs, pains, gains`` (those
    the profile has).

    Examples
    --------
    >>> row = pd.DataFrame([{"persona": "high-value, app-first", "customers": 120, "share": 25.0,
    ...                      "nps": 41.0, "nps_low": 30.2, "nps_high": 50.9, "nps_n": 300}])
    >>> persona_card(row)["value"].tolist()
    ['120 customers (25% of all)', '+41 [+30, +51], n = 300']
    """
    rows = []
    for _, p in profile.iterrows():
        lines = [("size", f"{int(p['customers']):,} customers ({p['share']:.0f}% of all)")]
        if pd.notna(p.get("nps", math.nan)):
            lines.append(("NPS", f"{p['nps']:+.0f} [{p['nps_low']:+.0f}, {p['nps_high']:+.0f}], "
                                 f"n = {int(p['nps_n']):,}"))
        if pd.notna(p.get("csat", math.nan)):
            lines.append(("CSAT", f"{p['csat']:.0f}% [{p['csat_low']:.0f}–{p['csat_high']:.0f}], "
                                  f"n = {int(p['csat_n']):,}"))
        if pd.notna(p.get("spend", math.nan)):
            lines.append(("value", f"{currency}{p['spend']:,.0f} spend per customer "
                                   f"[{currency}{p['spend_low']:,.0f}–{currency}{p['spend_high']:,.0f}]"))
        if pd.notna(p.get("clv", math.nan)):
            lines.append(("CLV", f"{currency}{p['clv']:,.0f} per buyer "
                                 f"[{currency}{p['clv_low']:,.0f}–{currency}{p['clv_high']:,.0f}]"))
        if pd.notna(p.get("purchases_per_year", math.nan)):
            lines.append(("buys", f"{p['purchases_per_year']:.1f} times a year"))
        if pd.notna(p.get("contacts_per_year", math.nan)):
            lines.append(("contacts", f"{p['contacts_per_year']:.2f} support contacts a year"))
        for table in CHANNEL_TABLES:
            if p.get(f"{table}_channels"):
                lines.append((f"channels ({table})", p[f"{table}_channels"]))
        for field in ("needs", "pains", "gains"):
            if isinstance(p.get(field), str):
                lines.append((field, p[field] or "–"))
        rows += [{"persona": p["persona"], "field": f, "value": v} for f, v in lines]
    return pd.DataFrame(rows, columns=["persona", "field", "value"])


def persona_views(profile: pd.DataFrame, cards: pd.DataFrame, empathy: pd.DataFrame, *, interactive: bool):
    """Each persona's profile, card and empathy map, to show in a notebook.

    Interactive (JupyterLab): an ipywidgets dropdown switches the persona shown. In batch (a
    report, where widgets render as plain text): one chart with every persona's card and
    empathy map, one after the other.
    """
    import altair as alt

    from cxnb import charts

    def views(name: str):
        card = charts.persona_card(cards[cards["persona"] == name], title=f"Persona: {name}")
        feel = charts.empathy_map(empathy[empathy["persona"] == name], title=f"Empathy map: {name}")
        return card, feel

    names = profile["persona"].tolist()
    if not interactive:
        return alt.vconcat(*[alt.vconcat(*views(name), spacing=12) for name in names], spacing=40)
    import ipywidgets as widgets
    from IPython.display import HTML, display

    choice = widgets.Dropdown(options=names, description="Persona")
    shown = widgets.Output()

    def show(change=None):
        shown.clear_output(wait=True)
        with shown:
            row = profile[profile["persona"] == choice.value].T.reset_index()
            display(HTML(row.to_html(index=False, header=False, escape=True, classes="cxnb-table", border=0)))
            for chart in views(choice.value):
                display(chart)

    choice.observe(show, names="value")
    show()
    return widgets.VBox([choice, shown])
