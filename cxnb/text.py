"""Text analytics that run offline (step 6 of the CX method): language guard, sentiment, themes.

Everything here works without a network connection: sentiment is VADER (Hutto & Gilbert 2014,
the ``vaderSentiment`` package, whose lexicon ships with it) and themes come from a keyword
taxonomy (``templates/themes.yaml``) that a client can extend.

The pipeline, one function per step:

1. :func:`normalise` — Unicode NFKC and collapsed whitespace; case and punctuation are kept
   because VADER reads them ("GREAT!!!" is stronger than "great").
2. :func:`language` — a cheap guard, ``"en"`` or ``"other"``. VADER's lexicon is English only
   ("Der Service war schlecht" scores negative because "war" is an English word), so text that
   is not English is counted and flagged, never scored.
3. :func:`sentiment` — one VADER compound per text; :func:`sentences` — one per clause, so a
   mixed text ("great coffee but delivery took two weeks") gives one positive and one negative
   clause. Clauses are redacted (:func:`cxnb.redact.redact`) before they are returned.
4. :func:`load_taxonomy` and :func:`themes` — theme and sub-theme per clause, with the clause's
   sentiment and a flag for a negated mention.
5. :func:`theme_summary` — share of voice and mean sentiment with a t interval per theme.

>>> round(float(sentiment(["The book was good."])["compound"].iloc[0]), 4)
0.4404
"""

from __future__ import annotations

import copy
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from cxnb import paths
from cxnb.errors import CxnbError
from cxnb.redact import redact
from cxnb.stats import t_interval

__all__ = [
    "POSITIVE_THRESHOLD",
    "NEGATIVE_THRESHOLD",
    "normalise",
    "language",
    "sentiment",
    "sentences",
    "load_taxonomy",
    "themes",
    "theme_summary",
    "customer_texts",
    "client_taxonomy",
]

# Hutto & Gilbert (2014, ICWSM), section 3: positive >= 0.05, negative <= -0.05, neutral between.
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05

NOT_SCORED = "not scored"

# ---------------------------------------------------------------------------------------------
# Language guard

# Very common function words. A text is "other" when it has more German/French evidence than
# English evidence; one German/French diacritic (ä ö ü ß é è ê à ç ...) counts as one piece of
# evidence, because short foreign texts ("Tolle Bohnen, gerne wieder!") may have no function word.
_ENGLISH = frozenset(
    "the and is was it to of my for not a an i but with this that we our on in very so they "
    "have has had are be been you your me at no all just too can will would again".split()
)
_FOREIGN = frozenset(
    # German
    "der die das und ist nicht zu nach sehr mit für ein eine leider gerne wieder kam hat sich "
    "ich wir uns aber auch kaum dauert dauerte ewig schnell zu viel "
    # French
    "le la les et est pas de du des un une je pour très mais mon ma trop merci avec ne nous sur "
    "était au aux ce cette qui que".split()
)
_DIACRITICS = re.compile(r"[äöüßéèêëàâçùûîïôœ]", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def _as_texts(texts, what: str) -> pd.Series:
    """Texts as a Series of str with the caller's index (a copy); missing values are an error."""
    if isinstance(texts, str):
        raise CxnbError(f"{what} expects a list or Series of texts, got one str; wrap it in a list: [text]")
    series = pd.Series(texts, dtype=object) if not isinstance(texts, pd.Series) else texts.astype(object)
    bad = series.map(lambda t: not isinstance(t, str))
    if bad.any():
        rows = list(series.index[bad][:5])
        raise CxnbError(
            f"{what}: {int(bad.sum())} value(s) are not text (missing or numbers), e.g. at index {rows}; "
            "drop empty comments first, e.g. responses['comment'].dropna()"
        )
    return series.map(normalise)


def normalise(text: str) -> str:
    """Unicode NFKC and single spaces; the words, case and punctuation are kept.

    Parameters
    ----------
    text : str
        One customer text.

    Returns
    -------
    str
        The text with compatibility characters folded (non-breaking spaces, full-width letters,
        ligatures) and every run of whitespace (newlines, tabs) replaced by one space, trimmed.

    Examples
    --------
    >>> normalise("  Great\\u00a0coffee!\\n\\n  Slow   delivery ")
    'Great coffee! Slow delivery'
    """
    if not isinstance(text, str):
        raise CxnbError(f"normalise expects a str, got {type(text).__name__}")
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _language(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    english = sum(w in _ENGLISH for w in words)
    foreign = sum(w in _FOREIGN for w in words) + len(_DIACRITICS.findall(text))
    return "other" if foreign > english else "en"


def language(texts) -> pd.Series:
    """``"en"`` or ``"other"`` per text, by a cheap and deterministic heuristic.

    The heuristic counts very common English function words ("the, and, is, was, it, to, of,
    my, for, not, ...") against common German and French ones ("der, die, und, ist, nicht, das,
    le, la, et, est, pas, les, ...") plus German/French diacritics (ä, ö, ü, ß, é, è, à, ç, ...),
    each worth one word. More foreign evidence than English evidence means ``"other"``; a tie
    (including a text with neither, such as "Brilliant!") means ``"en"``. It is a guard against
    scoring foreign text with an English lexicon, not a language identifier: it does not tell
    German from French, and an English text quoting a French phrase can be flagged.

    Parameters
    ----------
    texts : list or Series of str
        Customer texts; the Series index is kept.

    Returns
    -------
    pandas.Series
        Named ``language``, values ``"en"`` or ``"other"``, same index as ``texts``.

    Examples
    --------
    >>> language(["Der Service war schlecht", "Livraison rapide et soignée.", "The service was bad"]).tolist()
    ['other', 'other', 'en']
    """
    series = _as_texts(texts, "language")
    return series.map(_language).rename("language")


# ---------------------------------------------------------------------------------------------
# Sentiment


@lru_cache(maxsize=1)
def _analyser():
    """The VADER analyser, created on first use and kept for the process (reading its lexicon
    takes ~0.1 s)."""
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise CxnbError(
            "sentiment needs the vaderSentiment package; install the kit's dependencies (pip install -e .)"
        ) from error
    return SentimentIntensityAnalyzer()


def _label(compound: float) -> str:
    if compound >= POSITIVE_THRESHOLD:
        return "positive"
    if compound <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def _score(text: str) -> float:
    return float(_analyser().polarity_scores(text)["compound"])


def sentiment(texts) -> pd.DataFrame:
    """VADER compound score and label per text; text that is not English is not scored.

    Parameters
    ----------
    texts : list or Series of str
        Customer texts, one per row; missing values are an error (drop them first). The Series
        index is kept, so the result joins back onto the caller's frame.

    Returns
    -------
    pandas.DataFrame
        One row per text, same index, columns

        - ``compound``: VADER's normalised score in [-1, 1]; NaN when not scored;
        - ``label``: ``positive`` (compound >= 0.05), ``negative`` (<= -0.05), ``neutral``
          (Hutto & Gilbert 2014 thresholds) or ``not scored``;
        - ``language``: ``en`` or ``other`` (see :func:`language`).

    Examples
    --------
    >>> sentiment(["VADER is smart, handsome, and funny.", "Der Service war schlecht"])
       compound     label language
    0    0.8316  positive       en
    1       NaN  not scored    other
    """
    series = _as_texts(texts, "sentiment")
    lang = series.map(_language)
    compound = pd.Series(
        [_score(t) if lg == "en" else math.nan for t, lg in zip(series, lang)], index=series.index, dtype=float
    )
    label = [_label(c) if lg == "en" else NOT_SCORED for c, lg in zip(compound, lang)]
    return pd.DataFrame({"compound": compound, "label": label, "language": lang}, index=series.index)


# Clause boundaries: sentence punctuation followed by a space, a semicolon, and the contrastive
# conjunctions (with any comma or dash before them and comma after them). "even though" is not
# a boundary ("renewed even though I cancelled it" is one complaint).
_CLAUSE_BREAK = re.compile(
    r"(?<=[.!?])\s+"
    r"|\s*;\s*"
    r"|\s*[,-]?\s*\b(?:but|however|although|(?<!even )though)\b\s*,?\s*",
    re.IGNORECASE,
)


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_BREAK.split(text) if c and re.search(r"\w", c)]


def sentences(texts) -> pd.DataFrame:
    """Split each text into clauses and score each clause with VADER.

    Clauses end at sentence punctuation followed by a space (``. ! ?``), at ``;`` and at the
    contrastive conjunctions *but*, *however*, *although* and *though* (not *even though*); the
    conjunction and the punctuation around it are dropped, so each clause is scored on its own
    words. A text that opens with a conjunction ("Although pricey, worth it") stays one clause:
    the comma after the concession is not a boundary. Numbers such as ``£12.50`` are not split.
    Each clause is redacted with
    :func:`cxnb.redact.redact` (e-mail addresses, phone numbers and cards become ``[email]``,
    ``[phone]``, ``[card]``) before it is scored and returned, so the output can be displayed.

    Clause scores are VADER's, with one supplement: a clause VADER scores neutral (no sentiment
    word) that states a common complaint — a delay ("took two weeks", "four days late", "still
    waiting"), a failure ("could not log in", "keeps crashing", "never arrived") or an unexpected
    charge ("charged twice", "without any warning") — and does not negate it ("no crashes")
    scores -0.3612, VADER's compound for one mildly negative word. :func:`sentiment` (whole
    texts) is VADER alone.

    Parameters
    ----------
    texts : list or Series of str
        Customer texts; the Series index becomes ``text_id``.

    Returns
    -------
    pandas.DataFrame
        One row per clause, columns ``text_id`` (index label of the text), ``clause`` (0, 1, ...
        within the text), ``sentence`` (the redacted clause), ``compound`` (NaN for a text that
        is not English), ``label`` and ``language`` (of the whole text).

    Examples
    --------
    >>> s = sentences(["great coffee but delivery took two weeks"])
    >>> s[["sentence", "label"]]
                    sentence     label
    0           great coffee  positive
    1  delivery took two weeks  negative
    """
    series = _as_texts(texts, "sentences")
    rows = []
    for text_id, text in series.items():
        lang = _language(text)
        for i, clause in enumerate(_clauses(text)):
            shown = redact(clause)
            compound = _clause_score(shown) if lang == "en" else math.nan
            rows.append((text_id, i, shown, compound, _label(compound) if lang == "en" else NOT_SCORED, lang))
    return pd.DataFrame(rows, columns=["text_id", "clause", "sentence", "compound", "label", "language"]).astype(
        {"compound": float}
    )


# Customer-feedback complaints that VADER's general-purpose lexicon scores as neutral because they
# carry no sentiment word: delays ("took two weeks", "four days late", "still waiting"), failures
# ("keeps crashing", "could not log in", "never arrived") and unexpected charges. Only a clause
# VADER scores neutral is changed, and only by a match that is not negated ("no crashes",
# "never had a late delivery"), so VADER's own judgement is never overridden.
_COMPLAINTS = re.compile(
    r"\btook\s+(?:\w+\s+){0,2}(?:days|weeks|months)\b|\b(?:days?|weeks?)\s+late\b|\blate\b"
    r"|\bstill\s+waiting\b|\bwaited\b|\bchas(?:e|ed|ing)\b|\bdelayed\b|\bslow\b"
    r"|\bnever\s+(?:arrived|replied|happened|works?|worked|turned\s+up)\b|\bno\s+(?:response|reply)\b"
    r"|\bcannot\b|\bcould\s+not\b|\bimpossible\b|\bcrash\w*|\bfroze\b|\bfailed\b|\bbr(?:oke|oken|eaks)\b"
    r"|\bwrong\b|\bstale\b|\bcharged\s+twice\b|\bwithout\s+(?:any\s+)?warning\b|\bignored\b"
    r"|\btoo\s+(?:expensive|pricey)\b|\boverpriced\b|\bnot\s+worth\b",
    re.IGNORECASE,
)
# VADER's normalisation of a single -1.5 valence: x / sqrt(x^2 + 15).
_COMPLAINT_COMPOUND = round(-1.5 / math.sqrt(1.5**2 + 15), 4)
_NEGATOR = re.compile(r"^(?:not|no|never|without|hardly)$|n't$|^cannot$", re.IGNORECASE)


def _negated(text: str, start: int, window: int = 3) -> bool:
    """Whether one of the ``window`` words before ``text[start:]`` is a negator (not, no, never,
    without, hardly, cannot, or a word ending in n't)."""
    before = re.findall(r"[\w']+", text[:start])[-window:]
    return any(_NEGATOR.search(w) for w in before)


def _clause_score(clause: str) -> float:
    """VADER compound of one clause; a clause VADER scores neutral that holds a complaint pattern
    (``_COMPLAINTS``) not preceded by a negator scores as one mildly negative word (-0.3612)."""
    compound = _score(clause)
    if NEGATIVE_THRESHOLD < compound < POSITIVE_THRESHOLD and any(
        not _negated(clause, m.start()) for m in _COMPLAINTS.finditer(clause)
    ):
        compound = _COMPLAINT_COMPOUND
    return round(compound, 4)


# ---------------------------------------------------------------------------------------------
# Themes

THEMES_TEMPLATE = "themes.yaml"
_THEME_NEGATOR = re.compile(r"^(?:not|no|never)$|n't$", re.IGNORECASE)


def _check_taxonomy(taxonomy, where: str) -> dict[str, dict[str, list[str]]]:
    """A taxonomy as ``{theme: {subtheme: [phrase, ...]}}`` with every level checked."""
    if not isinstance(taxonomy, Mapping) or not taxonomy:
        raise CxnbError(f"{where}: a taxonomy must map theme → sub-theme → list of phrases; got {taxonomy!r}")
    checked = {}
    for theme, subthemes in taxonomy.items():
        if not isinstance(subthemes, Mapping) or not subthemes:
            raise CxnbError(
                f"{where}: theme '{theme}' must map sub-themes to lists of phrases, e.g. "
                f"{{'{theme}': {{'general': ['word', ...]}}}}; got {subthemes!r}"
            )
        checked[str(theme)] = {}
        for subtheme, phrases in subthemes.items():
            if isinstance(phrases, str) or not isinstance(phrases, Iterable):
                raise CxnbError(f"{where}: {theme}.{subtheme} must be a list of phrases; got {phrases!r}")
            phrases = [str(p).strip() for p in phrases]
            if not phrases or not all(phrases):
                raise CxnbError(f"{where}: {theme}.{subtheme} needs at least one non-empty phrase; got {phrases!r}")
            checked[str(theme)][str(subtheme)] = phrases
    return checked


def load_taxonomy(path=None, overrides=None, *, business: str = "b2c") -> dict[str, dict[str, list[str]]]:
    """Theme taxonomy ``{theme: {subtheme: [phrase, ...]}}`` with a client's overrides on top.

    Parameters
    ----------
    path : str or Path, optional
        A YAML file laid out like ``templates/themes.yaml`` (business model → theme → sub-theme →
        phrases); default: that template.
    overrides : dict, optional
        ``{theme: {subtheme: [phrase, ...]}}`` merged on top: a sub-theme given here replaces the
        file's list, new themes and sub-themes are added, and a theme (or sub-theme) set to
        ``None`` is dropped. The caller's dict is not changed.
    business : str
        Which taxonomy of the file: ``"b2c"`` (retail: delivery, product, price, service,
        website, subscription, packaging) or ``"b2b"`` (SaaS: onboarding, integrations,
        reliability, support, usability, billing, reporting).

    Returns
    -------
    dict
        ``{theme: {subtheme: [phrase, ...]}}``.

    Examples
    --------
    >>> tax = load_taxonomy(overrides={"loyalty": {"points": ["loyalty point", "reward"]}, "packaging": None})
    >>> sorted(tax)
    ['delivery', 'loyalty', 'price', 'product', 'service', 'subscription', 'website']
    >>> tax["delivery"]["tracking"]
    ['tracking']
    """
    path = Path(path) if path is not None else paths.template(THEMES_TEMPLATE)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CxnbError(f"cannot read the theme taxonomy {path}: {error}") from error
    except yaml.YAMLError as error:
        raise CxnbError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(document, Mapping) or business not in document:
        known = sorted(document) if isinstance(document, Mapping) else []
        raise CxnbError(f"{path} has no taxonomy '{business}'; it has {known}")
    taxonomy = copy.deepcopy(dict(document[business]))
    if overrides:
        if not isinstance(overrides, Mapping):
            raise CxnbError(f"theme overrides must map theme → sub-theme → phrases; got {overrides!r}")
        for theme, subthemes in overrides.items():
            if subthemes is None:
                taxonomy.pop(theme, None)
                continue
            if not isinstance(subthemes, Mapping):
                raise CxnbError(
                    f"theme overrides: '{theme}' must map sub-themes to lists of phrases (or be null to "
                    f"drop the theme); got {subthemes!r}"
                )
            merged = dict(taxonomy.get(theme) or {})
            for subtheme, phrases in subthemes.items():
                if phrases is None:
                    merged.pop(subtheme, None)
                else:
                    merged[subtheme] = list(phrases) if not isinstance(phrases, str) else phrases
            taxonomy[theme] = merged
    return _check_taxonomy(taxonomy, str(path) if not overrides else f"{path} with overrides")


def _phrase_pattern(phrase: str) -> str:
    # Word start: not after a letter, digit or '[' (so the redaction mark "[phone]" is no mention).
    body = r"\s+".join(re.escape(part) for part in phrase.split())
    return rf"(?<![\w\[]){body}"


def _compile(taxonomy) -> list[tuple[str, str, re.Pattern]]:
    taxonomy = _check_taxonomy(taxonomy, "themes taxonomy")
    return [
        (theme, subtheme, re.compile(_phrase_pattern(phrase), re.IGNORECASE))
        for theme, subthemes in taxonomy.items()
        for subtheme, phrases in subthemes.items()
        for phrase in phrases
    ]


def _theme_negated(clause: str, start: int) -> bool:
    before = re.findall(r"[\w']+", clause[:start])[-4:]
    return any(_THEME_NEGATOR.search(w) for w in before)


def themes(texts, taxonomy) -> pd.DataFrame:
    """Theme mentions per clause, with the clause's sentiment (English texts only).

    Each text is split into clauses by :func:`sentences`; a clause mentions a theme when one of
    the theme's phrases occurs in it at a word start (any case). A clause can mention several
    themes, and each theme at most once: the first matching phrase gives the sub-theme. A
    mention preceded within 3 words by *not*, *no*, *never* or a word ending in *n't* still
    counts ("not happy with the delivery" is about delivery) and has ``negated`` True; "within 3
    words" means at most three words between the negator and the phrase. Texts
    that are not English (see :func:`language`) are skipped: the phrases are English.

    Parameters
    ----------
    texts : list or Series of str
        Customer texts; the Series index becomes ``text_id``.
    taxonomy : dict
        ``{theme: {subtheme: [phrase, ...]}}``, from :func:`load_taxonomy`.

    Returns
    -------
    pandas.DataFrame
        One row per (clause, theme): ``text_id, sentence`` (the redacted clause), ``theme,
        subtheme, negated`` and ``compound`` (the clause's VADER score).

    Examples
    --------
    >>> rows = themes(["great coffee but delivery took two weeks"], load_taxonomy())
    >>> rows[["sentence", "theme", "negated", "compound"]]
                    sentence     theme  negated  compound
    0           great coffee   product    False    0.6249
    1  delivery took two weeks  delivery    False   -0.3612
    """
    patterns = _compile(taxonomy)
    clauses = sentences(texts)
    clauses = clauses[clauses["language"] == "en"]
    rows = []
    for text_id, sentence, compound in zip(clauses["text_id"], clauses["sentence"], clauses["compound"]):
        seen = set()
        for theme, subtheme, pattern in patterns:
            if theme in seen:
                continue
            match = pattern.search(sentence)
            if match:
                seen.add(theme)
                rows.append((text_id, sentence, theme, subtheme, _theme_negated(sentence, match.start()), compound))
    return pd.DataFrame(rows, columns=["text_id", "sentence", "theme", "subtheme", "negated", "compound"]).astype(
        {"negated": bool, "compound": float}
    )


def theme_summary(theme_rows: pd.DataFrame, total_texts: int, confidence: float = 0.95) -> pd.DataFrame:
    """Share of voice and sentiment per theme, most negative first.

    Parameters
    ----------
    theme_rows : DataFrame
        The output of :func:`themes` (columns ``text_id, theme, compound`` are used).
    total_texts : int
        How many texts were analysed (the English ones, mentioning a theme or not): the base of
        ``share_of_voice``.
    confidence : float
        Level of the t interval on the mean sentiment.

    Returns
    -------
    pandas.DataFrame
        One row per theme, ordered by ``mean_sentiment`` ascending: ``theme``, ``mentions``
        (clauses), ``texts`` (distinct texts), ``share_of_voice`` (% of ``total_texts``
        mentioning the theme), ``mean_sentiment`` (mean clause compound), ``ci_low, ci_high``
        (Student t interval, :func:`cxnb.stats.t_interval`; NaN with fewer than two mentions)
        and ``negative_share`` (% of mentions with compound <= -0.05).

    Examples
    --------
    >>> rows = themes(["great coffee but delivery took two weeks", "Lovely coffee.", "Slow delivery!"],
    ...               load_taxonomy())
    >>> theme_summary(rows, total_texts=3)[["theme", "mentions", "texts", "share_of_voice", "negative_share"]]
          theme  mentions  texts  share_of_voice  negative_share
    0  delivery         2      2       66.666667           100.0
    1   product         2      2       66.666667             0.0
    """
    missing = {"text_id", "theme", "compound"} - set(getattr(theme_rows, "columns", []))
    if missing:
        raise CxnbError(f"theme_summary expects the frame cxnb.text.themes returns; it lacks {sorted(missing)}")
    if isinstance(total_texts, bool) or not isinstance(total_texts, (int, np.integer)) or total_texts < 1:
        raise CxnbError(f"theme_summary: total_texts must be a positive whole number of texts; got {total_texts!r}")
    if theme_rows["text_id"].nunique() > total_texts:
        raise CxnbError(
            f"theme_summary: {theme_rows['text_id'].nunique()} texts mention a theme but total_texts is "
            f"{total_texts}; pass the number of English texts analysed"
        )
    rows = []
    for theme, group in theme_rows.groupby("theme", sort=True):
        interval = t_interval(group["compound"].to_numpy(dtype=float), confidence)
        rows.append(
            {
                "theme": theme,
                "mentions": len(group),
                "texts": group["text_id"].nunique(),
                "share_of_voice": 100 * group["text_id"].nunique() / total_texts,
                "mean_sentiment": interval.mean,
                "ci_low": interval.ci_low,
                "ci_high": interval.ci_high,
                "negative_share": 100 * float((group["compound"] <= NEGATIVE_THRESHOLD).mean()),
            }
        )
    columns = ["theme", "mentions", "texts", "share_of_voice", "mean_sentiment", "ci_low", "ci_high", "negative_share"]
    summary = pd.DataFrame(rows, columns=columns)
    return summary.sort_values(["mean_sentiment", "theme"], kind="stable").reset_index(drop=True)


def customer_texts(bundle) -> pd.Series:
    """Every free text of a client (survey comments, reviews) as one Series indexed
    ``"<table>:<id>"``, missing texts left out."""
    from cxnb.quality import FREE_TEXT

    parts = []
    for table, (key, column) in FREE_TEXT.items():
        frame = bundle.tables.get(table)
        if frame is not None and column in frame:
            texts = frame[[key, column]].dropna()
            parts.append(pd.Series(texts[column].to_numpy(), index=table + ":" + texts[key].astype(str), name="text"))
    return pd.concat(parts) if parts else pd.Series(dtype="str", name="text")


def client_taxonomy(config) -> dict[str, dict[str, list[str]]]:
    """The taxonomy a client config asks for (``themes.taxonomy``) with its ``themes.overrides``."""
    return load_taxonomy(overrides=config.themes.overrides, business=config.themes.taxonomy)
