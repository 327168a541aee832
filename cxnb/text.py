"""Text analytics that run offline (step 6 of the CX method): language guard, sentiment, themes.

Everything here works without a network connection: sentiment is VADER (Hutto & Gilbert 2014,
the ``vaderSentiment`` package, whose lexicon ships with it) with a few words that name a topic
in customer feedback made neutral (:data:`DOMAIN_WORDS`), themes come from a keyword taxonomy
(``templates/themes.yaml``) that a client can extend, and themes the taxonomy misses are found
by TF-IDF and NMF (scikit-learn).

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
6. :func:`discover_themes` — themes in the clauses no taxonomy theme matches, with top words,
   redacted quotes and a suggested taxonomy entry.
7. :func:`theme_impact` — each theme's effect on NPS or stars (with against without), and the
   score if its negative mentions were neutral, with intervals.

:func:`analyse_texts` runs steps 1–4 in one pass per text, in worker processes for large inputs.

>>> round(float(sentiment(["The book was good."])["compound"].iloc[0]), 4)
0.4404
"""

from __future__ import annotations

import copy
import math
import os
import re
import string
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from itertools import chain, compress, count, repeat
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import yaml
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    normalize,
    scalar_inc_dec,
)

from cxnb import paths
from cxnb.errors import CxnbError
from cxnb.redact import could_hold_pii, redact
from cxnb.stats import t_interval

__all__ = [
    "POSITIVE_THRESHOLD",
    "NEGATIVE_THRESHOLD",
    "DOMAIN_WORDS",
    "normalise",
    "language",
    "sentiment",
    "sentences",
    "load_taxonomy",
    "themes",
    "theme_summary",
    "PARALLEL_FROM",
    "TextAnalysis",
    "analyse_texts",
    "IMPACT_MEASURES",
    "IMPACT_COLUMNS",
    "theme_impact",
    "Discovery",
    "discover_themes",
    "customer_texts",
    "client_taxonomy",
]

# Hutto & Gilbert (2014, ICWSM), section 3: positive >= 0.05, negative <= -0.05, neutral between.
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05

NOT_SCORED = "not scored"

# ---------------------------------------------------------------------------------------------
# Language guard

# The guard weighs function words first: the small words every sentence of a language needs
# ("the, and, of" against "der, und, le, et, het, el, di, ...") tell the language of a text even
# when its nouns are borrowed ("Der Support antwortet schnell"). English function words are
# scikit-learn's English stop words less "de", "con" and "un" (French, Spanish and Italian
# articles it happens to list). Foreign ones are very common function words of German, French,
# Dutch, Spanish, Italian, Portuguese, Swedish and Danish; words that are also English words a
# customer writes ("van", "door", "hat", "till", "son", "sin", "man", "non", "com", single letters)
# are not listed, and a listed word that is an English stop word ("no", "in", "me", "was", "on")
# counts for neither side. Only when function words tie (often: none of either) do the other
# words decide: English sentiment words (VADER's lexicon) against words written with letters
# outside ASCII ("abîmé", "llegó").
_FOREIGN_WORDS = {
    "de": "der die das dem den des und ist nicht ein eine einen einem ich wir sie es sehr mit für auf zu aus bei "
          "nach von vom zum zur war waren wurde wird sind haben habe aber auch noch nur schon kein keine leider "
          "gerne wieder oder wenn dass immer mehr uns euch in so an am also was",
    "fr": "le la les et est pas du des une je il elle nous vous ils ce cette ces qui que très mais mon ma mes trop "
          "avec ne sur dans au aux était été avait sont suis ont être bien tout toujours encore leur notre votre "
          "merci pour à on me",
    "nl": "het een en te op niet met voor zijn maar ook dat ik wij heb hebben werd wordt naar bij uit nog geen erg "
          "wel zeer mijn is was we in",
    "es": "el los las que y en una unos por para muy mi mis es está estaba fue pero su sus lo se del al como más "
          "también nada siempre nunca hay todo no me a",
    "it": "il lo gli di da della del nel una è molto sono che ma sempre anche ancora questo questa perché tra fra "
          "no mi a in",
    "pt": "uma dos das na não muito mais foi está meu minha mas nao obrigado no a",
    "sv_da": "och att det inte jag ett som har av og ikke jeg meget mycket",
}
# A text of this many words or more with no English word at all (neither a stop word nor a
# lexicon word) is not English: terse English ("Mixed feelings. Checkout took seconds") is shorter.
_NO_ENGLISH_FROM = 8


@lru_cache(maxsize=1)
def _guard_words() -> tuple[frozenset, frozenset, frozenset]:
    """English function words, foreign function words and English lexicon words of the language
    guard, built on first use (scikit-learn's stop words and VADER's lexicon take a moment)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    listed = frozenset(" ".join(_FOREIGN_WORDS.values()).split())
    stop = ENGLISH_STOP_WORDS - {"de", "con", "un"}
    lexicon = frozenset(word for word in SentimentIntensityAnalyzer().lexicon if word.isalpha())
    return stop - listed, listed - stop, lexicon - listed


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
    english_words, foreign_words, lexicon_words = _guard_words()
    words = _WORD.findall(text.lower())
    english = sum(map(english_words.__contains__, words))
    foreign = sum(map(foreign_words.__contains__, words))
    if english != foreign:
        return "other" if foreign > english else "en"
    lexical = sum(map(lexicon_words.__contains__, words))
    accented = 0 if text.isascii() else sum(
        1 for w in words if not w.isascii() and w not in lexicon_words and w not in foreign_words)
    if accented > lexical or (not english and not lexical and len(words) >= _NO_ENGLISH_FROM):
        return "other"
    return "en"


def language(texts) -> pd.Series:
    """``"en"`` or ``"other"`` per text, by a cheap and deterministic heuristic.

    Function words decide first: a text with more foreign function words (German, French, Dutch,
    Spanish, Italian, Portuguese, Swedish, Danish: "der, und, le, et, het, te, el, muy, di, che,
    não, och, ...") than English ones (scikit-learn's English stop words: "the, and, of, was,
    ...") is ``"other"``, one with more English ones is ``"en"``. Borrowed nouns do not sway it
    ("Der Support antwortet schnell" is not English). A word of both kinds ("no", "in", "me")
    counts for neither. On a tie (often a short text with neither: "Brilliant!") the other words
    decide: more words with letters outside ASCII ("Colis arrivé abîmé") than English sentiment
    words (VADER's lexicon) means ``"other"``, and so does a text of eight words or more without
    a single English word; anything else is ``"en"``. It is a guard against scoring foreign
    text with an English lexicon, not a language identifier: it does not tell the languages
    apart, a short foreign text of nouns only ("Servizio pessimo") passes as English (VADER then
    scores it neutral), and an English text quoting a foreign phrase can be flagged.

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
    >>> language(["Der Service war schlecht", "Livraison rapide et soignée.", "Het pakket was te laat",
    ...           "Pedido no llegó, muy mal servicio", "The service was bad", "Great café"]).tolist()
    ['other', 'other', 'other', 'other', 'en', 'en']
    """
    series = _as_texts(texts, "language")
    return series.map(_language).rename("language")


# ---------------------------------------------------------------------------------------------
# Sentiment


# Words that VADER's general-purpose lexicon scores as praise but that, in customer feedback,
# name the thing being discussed: "support" and "help" (the service desk), "care" (customer care),
# "credit" (store credit), "reward" (a loyalty scheme), "promise" and "please" (in complaints:
# "promised a call back", "please fix this"). Left in, "Support never replied" scores +0.4 and every
# mention of the service theme leans positive whatever it says. They are removed from this kit's
# copy of the lexicon, so they carry no valence; judgements built on them stay ("helpful",
# "supportive", "unhelpful" are separate lexicon words and keep their scores).
DOMAIN_WORDS = frozenset(
    "support supports supported help helps care credit reward rewards rewarded promise promised promises please".split()
)


@lru_cache(maxsize=1)
def _analyser():
    """The VADER analyser with :data:`DOMAIN_WORDS` neutralised in its own copy of the lexicon,
    created on first use and kept for the process (reading the lexicon takes ~0.1 s)."""
    analyser = SentimentIntensityAnalyzer()
    analyser.lexicon = {word: value for word, value in analyser.lexicon.items() if word not in DOMAIN_WORDS}
    return analyser


def _label(compound: float) -> str:
    if compound >= POSITIVE_THRESHOLD:
        return "positive"
    if compound <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def _score(text: str, analyser=None) -> float:
    """VADER's compound score of ``text``, with the kit's lexicon (:data:`DOMAIN_WORDS` neutral):
    :func:`_ascii_compound` for ASCII text, ``polarity_scores`` for the rest."""
    analyser = analyser or _analyser()
    if text.isascii():
        return _ascii_compound(text, analyser)
    return float(analyser.polarity_scores(text)["compound"])


# VADER's tokens: whitespace-separated, with leading and trailing punctuation stripped unless
# that leaves two characters or fewer (an emoticon such as ":)" is kept whole).
_PUNCTUATION = string.punctuation


def _ascii_compound(text: str, analyser) -> float:
    """VADER's ``polarity_scores(text)["compound"]`` for ASCII ``text``, computed faster.

    The same steps as ``SentimentIntensityAnalyzer.polarity_scores`` in the same order with the
    same arithmetic, so the same float comes out (a test compares the two on every sample text
    and on generated texts full of VADER's special cases). What is skipped cannot change the
    result for ASCII text: the character-by-character rewrite of emoji into words (every emoji
    VADER knows is non-ASCII), and the rules for a word outside the lexicon, which always give it
    valence 0 — so a text without a lexicon word scores 0.0 at once. Each word is lower-cased
    once instead of once per rule (lower-casing an ASCII text word by word or whole is the same).
    """
    text = text.strip()
    lowered = text.lower()
    lower = [s if len(s := t.strip(_PUNCTUATION)) > 2 else t for t in lowered.split()]
    lexicon = analyser.lexicon
    hits = [i for i in compress(count(), map(lexicon.__contains__, lower)) if lower[i] not in BOOSTER_DICT]
    if not hits:
        return 0.0
    # VADER's allcap_differential: some words are ALL CAPS, not all (stripping punctuation from a
    # word leaves its capitals). Only then does the case of a word matter.
    tokens = text.split()
    cap_differential = 0 < sum(map(str.isupper, tokens)) < len(tokens)
    words = [s if len(s := t.strip(_PUNCTUATION)) > 2 else t for t in tokens] if cap_differential else lower
    last = len(words) - 1
    sentiments = [0] * len(words)
    # A lexicon word with none of VADER's context words within three words before it (and no idiom
    # word in it or within two after it) keeps its lexicon valence: every rule of _valence leaves it.
    context = _CONTEXT_WORDS if "n't" not in lowered else _CONTEXT_WORDS.union(w for w in lower if "n't" in w)
    for i in hits:
        word = lower[i]
        if i < last and word == "kind" and lower[i + 1] == "of":
            continue
        if word != "no" and word not in _IDIOM_KEYS and context.isdisjoint(lower[i - 3 if i > 3 else 0:i]) \
                and _IDIOM_KEYS.isdisjoint(lower[i + 1:i + 3]):
            valence = lexicon[word]
            if cap_differential and words[i].isupper():
                valence = valence + C_INCR if valence > 0 else valence - C_INCR
            sentiments[i] = valence
        else:
            sentiments[i] = _valence(i, words, lower, lexicon, cap_differential)
    if "but" in lower:
        _but_check(lower, sentiments)
    total = float(sum(sentiments))
    if total:
        emphasis = min(text.count("!"), 4) * 0.292
        questions = text.count("?")
        if questions > 1:
            emphasis += questions * 0.18 if questions <= 3 else 0.96
        total = total + emphasis if total > 0 else total - emphasis
    return round(normalize(total), 4)


def _valence(i: int, words: list[str], lower: list[str], lexicon: dict, cap_differential: bool) -> float:
    """VADER's ``sentiment_valence`` of the lexicon word ``words[i]`` (``lower`` lower-cased):
    "no" before it, ALL CAPS, boosters and negations in the three words before it, idioms and
    "least", in VADER's order."""
    word = lower[i]
    valence = lexicon[word]
    if word == "no" and i != len(lower) - 1 and lower[i + 1] in lexicon:
        valence = 0.0
    if (i > 0 and lower[i - 1] == "no") or (i > 1 and lower[i - 2] == "no") \
            or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor")):
        valence = lexicon[word] * N_SCALAR
    if cap_differential and words[i].isupper():
        valence = valence + C_INCR if valence > 0 else valence - C_INCR
    for start_i in range(3):
        if i > start_i and lower[i - (start_i + 1)] not in lexicon:
            s = scalar_inc_dec(words[i - (start_i + 1)], valence, cap_differential)
            if start_i == 1 and s != 0:
                s = s * 0.95
            if start_i == 2 and s != 0:
                s = s * 0.9
            valence = valence + s
            valence = _negation_check(valence, lower, start_i, i)
            if start_i == 2 and not _IDIOM_WORDS.isdisjoint(lower[i - 3:i + 3]):
                valence = _special_idioms_check(valence, lower, i)
    before = lower[i - 1] if i > 0 else None
    if i > 1 and before not in lexicon and before == "least":
        if lower[i - 2] != "at" and lower[i - 2] != "very":
            valence = valence * N_SCALAR
    elif i > 0 and before not in lexicon and before == "least":
        valence = valence * N_SCALAR
    return valence


_NEGATE = frozenset(NEGATE)
# Every word of VADER's idioms and two-word boosters ("kind of"): a word whose neighbours hold
# none of them is not part of one, and the idiom check cannot change its valence.
_IDIOM_WORDS = frozenset(word for phrase in (*SPECIAL_CASES, *BOOSTER_DICT) for word in phrase.split() if " " in phrase)
# The words of those phrases less "the", "of", "to", "for" and "enough" ("kiss", "death", "kind"):
# every phrase holds one, so where none of them is, no phrase is.
_IDIOM_KEYS = frozenset(chain.from_iterable(
    [word for word in phrase.split() if word not in {"the", "of", "to", "for", "enough"}] or phrase.split()
    for phrase in (*SPECIAL_CASES, *BOOSTER_DICT) if " " in phrase))
# Every word _valence looks at in the three words before a lexicon word: "no", "least", boosters
# ("very", "kind of"), negations, "never so / this", "without doubt", idioms. A word holding
# "n't" is a negation too (added per text, see _ascii_compound).
_CONTEXT_WORDS = frozenset({"no", "least", "so", "this", "never", "without", "doubt"}
                           | set(BOOSTER_DICT) | _NEGATE | _IDIOM_KEYS)


def _negated_word(word: str) -> bool:
    """VADER's ``negated([word])`` for a lower-case word: a negation word or one holding "n't"."""
    return word in _NEGATE or "n't" in word


def _but_check(lower: list[str], sentiments: list[float]) -> None:
    """VADER's ``_but_check`` on lower-cased words, in place: the valences before the first "but"
    count half, those after it one and a half times. As in VADER, each valence is found again by
    its value (``list.index``), so of equal valences the first one is changed, once per copy."""
    but = lower.index("but")
    for k in range(len(sentiments)):
        value = sentiments[k]
        at = sentiments.index(value)
        if at < but:
            sentiments[at] = value * 0.5
        elif at > but:
            sentiments[at] = value * 1.5


def _negation_check(valence: float, lower: list[str], start_i: int, i: int) -> float:
    """VADER's ``_negation_check`` on lower-cased words."""
    if start_i == 0:
        if _negated_word(lower[i - 1]):
            valence = valence * N_SCALAR
    if start_i == 1:
        if lower[i - 2] == "never" and (lower[i - 1] == "so" or lower[i - 1] == "this"):
            valence = valence * 1.25
        elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
            pass
        elif _negated_word(lower[i - 2]):
            valence = valence * N_SCALAR
    if start_i == 2:
        if lower[i - 3] == "never" and (lower[i - 2] == "so" or lower[i - 2] == "this") or \
                (lower[i - 1] == "so" or lower[i - 1] == "this"):
            valence = valence * 1.25
        elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
            pass
        elif _negated_word(lower[i - 3]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, lower: list[str], i: int) -> float:
    """VADER's ``_special_idioms_check`` on lower-cased words (``i`` >= 3, as VADER calls it)."""
    one_zero = f"{lower[i - 1]} {lower[i]}"
    two_one_zero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
    two_one = f"{lower[i - 2]} {lower[i - 1]}"
    three_two_one = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
    three_two = f"{lower[i - 3]} {lower[i - 2]}"
    for sequence in (one_zero, two_one_zero, two_one, three_two_one, three_two):
        if sequence in SPECIAL_CASES:
            valence = SPECIAL_CASES[sequence]
            break
    if len(lower) - 1 > i:
        zero_one = f"{lower[i]} {lower[i + 1]}"
        if zero_one in SPECIAL_CASES:
            valence = SPECIAL_CASES[zero_one]
    if len(lower) - 1 > i + 1:
        zero_one_two = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
        if zero_one_two in SPECIAL_CASES:
            valence = SPECIAL_CASES[zero_one_two]
    for n_gram in (three_two_one, three_two, two_one):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def sentiment(texts, *, processes: int | None = None) -> pd.DataFrame:
    """VADER compound score and label per text; text that is not English is not scored.

    Parameters
    ----------
    texts : list or Series of str
        Customer texts, one per row; missing values are an error (drop them first). The Series
        index is kept, so the result joins back onto the caller's frame.
    processes : int, optional
        Worker processes; default one below :data:`PARALLEL_FROM` texts, else one per core
        (see :func:`analyse_texts`).

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
    return _run(series, None, processes, "documents").set_index("text_id").rename_axis(series.index.name)


# Clause boundaries: sentence punctuation followed by a space, a semicolon, and the contrastive
# conjunctions (with any comma or dash before them and comma after them). "even though" is not
# a boundary ("renewed even though I cancelled it" is one complaint). The lookaheads only name
# the characters a boundary can start with, which spares the rest of the pattern most places.
_CLAUSE_BREAK = re.compile(
    r"(?=[\s;,\-bhat])(?:"
    r"(?<=[.!?])\s+"
    r"|\s*;\s*"
    r"|\s*[,-]?\s*\b(?=[bhat])(?:but|however|although|(?<!even )though)\b\s*,?\s*)",
    re.IGNORECASE,
)


# Where _CLAUSE_BREAK can match at all: a cheap test that spares most texts the split.
_MAY_BREAK = re.compile(r"[.!?]\s|;|but|however|though", re.IGNORECASE)
_HAS_WORD = re.compile(r"\w")


def _clauses(text: str) -> list[str]:
    parts = _CLAUSE_BREAK.split(text) if _MAY_BREAK.search(text) else [text]
    return [c.strip() for c in parts if c and _HAS_WORD.search(c)]


def sentences(texts, *, processes: int | None = None) -> pd.DataFrame:
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
    charge ("charged twice", "without any warning"), a general complaint idiom ("far too
    long", "nobody", "out of date", "hidden costs") — and does not negate it ("no crashes",
    "hardly any downtime") scores -0.3612, VADER's compound for one mildly negative word.
    :func:`sentiment` (whole texts) is VADER alone. Both use the kit's lexicon, in which the
    :data:`DOMAIN_WORDS` ("support", "help", "reward", ...) are neutral.

    Parameters
    ----------
    texts : list or Series of str
        Customer texts; the Series index becomes ``text_id``.
    processes : int, optional
        Worker processes (see :func:`analyse_texts`).

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
    return _run(_as_texts(texts, "sentences"), None, processes, "clauses")


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
    r"|\btoo\s+(?:expensive|pricey)\b|\boverpriced\b|\bnot\s+worth\b"
    # general complaint idioms, added after scoring the sample companies' complaint phrases
    r"|\btoo\s+(?:much|many|long|generic|basic)\b|\bnobody\b|\bnot\s+what\s+it\s+used\s+to\s+be\b"
    r"|\bgone\s+downhill\b|\bout\s+of\s+date\b|\bwent\s+down\b|\boutages?\b|\bdowntime\b|\bunreliable\b"
    r"|\bclunky\b|\bcluttered\b|\bhidden\s+(?:costs?|fees?|charges?)\b|\bwithout\s+fixing\b"
    r"|\bcopy\s+(?:and\s+)?paste\b|\bforever\b|\bunanswered\b|\b(?:dented|battered|crushed|damaged)\b"
    r"|\bleak(?:s|ed|ing)?\b|\bsplit\s+open\b|\b(?:gone|going|creeping)\s+up\b|\bdoubled\b"
    r"|\bnever\s+(?:knocked|answered|came|called\s+back)\b|\blogged\s+me\s+out\b|\bgo(?:es)?\s+nowhere\b"
    r"|\btime\s+out\b",
    re.IGNORECASE,
)
# The same pattern for lower-cased ASCII text (it holds no capital letter, so it matches
# lower-cased text as the case-blind pattern matches the original, at the same places), faster.
_COMPLAINTS_LOWER = re.compile(_COMPLAINTS.pattern)
# VADER's normalisation of a single -1.5 valence: x / sqrt(x^2 + 15).
_COMPLAINT_COMPOUND = round(-1.5 / math.sqrt(1.5**2 + 15), 4)
_NEGATOR = re.compile(r"^(?:not|no|never|without|hardly)$|n't$|^cannot$", re.IGNORECASE)
_WORDS_BEFORE = re.compile(r"[\w']+")  # the words before a complaint or a theme phrase, to look for a negator


def _negated(text: str, start: int, window: int = 3) -> bool:
    """Whether one of the ``window`` words before ``text[start:]`` is a negator (not, no, never,
    without, hardly, cannot, or a word ending in n't)."""
    before = _WORDS_BEFORE.findall(text[:start])[-window:]
    return any(_NEGATOR.search(w) for w in before)


def _clause_score(clause: str, compound: float) -> float:
    """A clause's score from its VADER ``compound``: a clause VADER scores neutral that holds a
    complaint pattern (``_COMPLAINTS``) not preceded by a negator scores as one mildly negative
    word (-0.3612)."""
    if NEGATIVE_THRESHOLD < compound < POSITIVE_THRESHOLD:
        found = _COMPLAINTS_LOWER.finditer(clause.lower()) if clause.isascii() else _COMPLAINTS.finditer(clause)
        if any(not _negated(clause, m.start()) for m in found):
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


class _Phrase(NamedTuple):
    rank: int  # position in the taxonomy: the first matching phrase of a theme gives its sub-theme
    theme: int  # position of its theme in the taxonomy
    subtheme: str
    pattern: re.Pattern
    head: str  # its first word, lower case: a clause without it cannot match


class _Matcher(NamedTuple):
    themes: list[str]
    by_start: dict[str, list[_Phrase]]  # phrases by their first two letters, lower case
    other: list[_Phrase]  # phrases that do not start with two letters or digits ("£")


# The first two characters of every word, where a phrase match can start: two word characters,
# not after a letter or '['.
_WORD_KEY = re.compile(r"(?<![\w\[])\w\w")


def _compile(taxonomy) -> _Matcher:
    """The taxonomy's phrases as patterns, grouped by their first two letters so that a clause
    is tested only against the phrases that can start at one of its words."""
    taxonomy = _check_taxonomy(taxonomy, "themes taxonomy")
    by_start: dict[str, list[_Phrase]] = {}
    other: list[_Phrase] = []
    rank = 0
    for number, subthemes in enumerate(taxonomy.values()):
        for subtheme, phrases in subthemes.items():
            for phrase in phrases:
                entry = _Phrase(rank, number, subtheme, re.compile(_phrase_pattern(phrase), re.IGNORECASE),
                                phrase.split()[0].lower())
                key = phrase[:2].lower()
                if len(key) == 2 and key.isalnum():
                    by_start.setdefault(key, []).append(entry)
                else:
                    other.append(entry)
                rank += 1
    return _Matcher(list(taxonomy), by_start, other)


def _candidates(text: str, matcher: _Matcher) -> list[_Phrase]:
    """The phrases that can occur in ``text``, in taxonomy order: those that start with the first
    two letters of one of its words and whose first word is in the lower-cased text, and those
    that do not start with two letters. A phrase that occurs in a clause of ``text`` is among
    them too: a clause is cut from the text at word boundaries (see :func:`_clauses`)."""
    lowered = text.lower()
    if text.isascii():  # lower-casing first finds the same word starts, already lower case
        keys = set(_WORD_KEY.findall(lowered))
    else:
        keys = {key.lower() for key in _WORD_KEY.findall(text)}
    found = [entry for key in keys for entry in matcher.by_start.get(key, ()) if entry.head in lowered]
    found += [entry for entry in matcher.other if entry.head in lowered]
    return sorted(found)


def _mentions(sentence: str, matcher: _Matcher, candidates: list[_Phrase] | None = None) -> list[tuple[str, str, bool]]:
    """(theme, sub-theme, negated) of every theme a clause mentions, in taxonomy order; the first
    matching phrase of a theme, in taxonomy order, gives its sub-theme, and its first occurrence
    decides whether the mention is negated.

    Only the :func:`_candidates` of the clause (or of the text it was cut from, ``candidates``)
    are searched for, and a theme's remaining phrases are skipped once one of them is found.
    """
    if candidates is None:
        candidates = _candidates(sentence, matcher)
    elif candidates:
        lowered = sentence.lower()
        candidates = [entry for entry in candidates if entry.head in lowered]
    found: dict[int, tuple[str, int]] = {}
    for entry in candidates:
        if entry.theme not in found:
            match = entry.pattern.search(sentence)
            if match is not None:
                found[entry.theme] = (entry.subtheme, match.start())
    return [(matcher.themes[theme], subtheme, _theme_negated(sentence, start))
            for theme, (subtheme, start) in sorted(found.items())]


def _theme_negated(clause: str, start: int) -> bool:
    before = clause[:start]
    if before.isascii():  # a negator holds "no", "ne" or "n't": most mentions have none before them
        lowered = before.lower()
        if "no" not in lowered and "ne" not in lowered and "n't" not in lowered:
            return False
    return any(_THEME_NEGATOR.search(w) for w in _WORDS_BEFORE.findall(before)[-4:])


def themes(texts, taxonomy, *, processes: int | None = None) -> pd.DataFrame:
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
    processes : int, optional
        Worker processes (see :func:`analyse_texts`).

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
    return _run(_as_texts(texts, "themes"), patterns, processes, "mentions")


# ---------------------------------------------------------------------------------------------
# The pipeline: one pass per text, batched over worker processes for large inputs

# Below this many texts one process is faster than starting workers (each imports pandas).
PARALLEL_FROM = 20_000
_FRAMES = {
    "documents": (["text_id", "compound", "label", "language"], {"compound": float}),
    "clauses": (["text_id", "clause", "sentence", "compound", "label", "language"], {"compound": float}),
    "mentions": (["text_id", "sentence", "theme", "subtheme", "negated", "compound"],
                 {"negated": bool, "compound": float}),
}


class TextAnalysis(NamedTuple):
    """Sentiment per text, per clause, and theme mentions per clause (see :func:`analyse_texts`)."""

    documents: pd.DataFrame
    clauses: pd.DataFrame
    mentions: pd.DataFrame


def _analyse_batch(text_ids: list, texts: list[str], patterns, what: str) -> tuple[list, list, list]:
    """Columns of the documents, clauses and mentions frames for a batch of normalised texts.

    Each text is tested once for personal data (:func:`cxnb.redact.could_hold_pii`): the clauses
    of a text that fails the test are shown as they are, without a redaction pass each. A text
    that is one clause, unchanged by redaction, is scored once: its VADER score is both the
    document's and (before the complaint supplement) the clause's.
    """
    analyser = _analyser()
    # Columns, filled value by value: no row tuple is made, so the millions of rows of a large
    # input leave the garbage collector nothing to scan (it cost a seventh of the time), the
    # result needs no transposing, and it is quick to send back from a worker process.
    documents, clauses, mentions = ([[] for _ in _FRAMES[name][0]] for name in _FRAMES)
    doc_id, doc_compound, doc_label, doc_language = (column.append for column in documents)
    clause_id, clause_number, clause_text, clause_compound, clause_label, clause_language = (
        column.append for column in clauses)
    mention_id, mention_text, mention_theme, mention_subtheme, mention_negated, mention_compound = (
        column.append for column in mentions)
    for text_id, text in zip(text_ids, texts):
        lang = _language(text)
        english = lang == "en"
        document = math.nan
        if what != "documents":
            parts = _clauses(text)
            private = could_hold_pii(text)
            # phrases that can occur in the text's clauses (with redaction, each clause finds its own)
            candidates = _candidates(text, patterns) if english and patterns is not None and not private else None
            for i, clause in enumerate(parts):
                shown = redact(clause) if private else clause
                compound = math.nan
                if english:
                    raw = _score(shown, analyser)
                    compound = _clause_score(shown, raw)
                    if len(parts) == 1 and shown == text:
                        document = raw
                    if patterns is not None and candidates != []:
                        for theme, subtheme, negated in _mentions(shown, patterns, candidates):
                            mention_id(text_id)
                            mention_text(shown)
                            mention_theme(theme)
                            mention_subtheme(subtheme)
                            mention_negated(negated)
                            mention_compound(compound)
                clause_id(text_id)
                clause_number(i)
                clause_text(shown)
                clause_compound(compound)
                clause_label(_label(compound) if english else NOT_SCORED)
                clause_language(lang)
        if english and math.isnan(document):
            document = _score(text, analyser)
        doc_id(text_id)
        doc_compound(document)
        doc_label(_label(document) if english else NOT_SCORED)
        doc_language(lang)
    return documents, clauses, mentions


def _workers(processes, n_texts: int) -> int:
    if processes is None:
        if n_texts < PARALLEL_FROM:
            return 1
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if isinstance(processes, bool) or not isinstance(processes, (int, np.integer)) or processes < 1:
        raise CxnbError(f"processes must be a whole number of at least 1 (or None: automatic); got {processes!r}")
    return max(1, min(int(processes), n_texts))


def _run(series: pd.Series, patterns, processes, what: str):
    """The frame ``what`` ("documents", "clauses", "mentions") or, for "all", a TextAnalysis.

    With more than one worker the texts go out in about sixteen batches per worker, in order, so
    the result is the same row for row whatever the number of processes; small batches keep both
    workers busy to the end when one of them is slowed down (a shared machine).
    """
    workers = _workers(processes, len(series))
    text_ids, texts = series.index.tolist(), series.tolist()
    if workers == 1:
        results = [_analyse_batch(text_ids, texts, patterns, what)]
    else:
        _analyser(), _guard_words()  # loaded once here: forked workers inherit them
        size = math.ceil(len(texts) / (16 * workers))
        starts = range(0, len(texts), size)
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_analyse_batch, [text_ids[i:i + size] for i in starts],
                                    [texts[i:i + size] for i in starts], repeat(patterns), repeat(what)))
    frames = {}
    for k, name in enumerate(_FRAMES):
        columns, types = _FRAMES[name]
        data = {column: list(chain.from_iterable(result[k][j] for result in results))
                for j, column in enumerate(columns)}
        frames[name] = pd.DataFrame(data, columns=columns).astype(types)
    return TextAnalysis(**frames) if what == "all" else frames[what]


def analyse_texts(texts, taxonomy, *, processes: int | None = None) -> TextAnalysis:
    """Sentiment of every text and of every clause, and the themes of every clause, in one pass.

    The same results as :func:`sentiment`, :func:`sentences` and :func:`themes`, with each text
    split and redacted once, and a text of one clause scored once (a longer text is scored
    whole and clause by clause). Large inputs are split into batches that run in worker
    processes (VADER is pure Python, so threads would not help); the rows come back in the
    order of the texts whatever the number of processes.

    The work per text is kept small without changing a result: ASCII text is scored by VADER's
    own rules with the words lower-cased once, the rules skipped for words outside the lexicon
    and for lexicon words with none of the words the rules look at around them (the same floats
    as ``polarity_scores``), a text is tested once for personal data before its clauses are
    redacted, a clause is searched only for the taxonomy phrases whose first word occurs in its
    text, and the results are collected column by column. Even so, scoring every clause and
    every longer text whole, finding themes and guarding the language costs about 1.5 times the
    CPU time of plain VADER on the whole texts (``benchmarks/text.py``: 10.7 against 7.2 CPU
    seconds for 100,000 texts), so two processes give about 1.2 times its throughput.

    Parameters
    ----------
    texts : list or Series of str
        Customer texts; the Series index becomes ``text_id``.
    taxonomy : dict
        ``{theme: {subtheme: [phrase, ...]}}``, from :func:`load_taxonomy`.
    processes : int, optional
        Worker processes. Default: one for fewer than :data:`PARALLEL_FROM` (20,000) texts,
        else one per available core.

    Returns
    -------
    TextAnalysis
        ``documents`` (``text_id, compound, label, language``, one row per text, as
        :func:`sentiment`), ``clauses`` (as :func:`sentences`) and ``mentions`` (as
        :func:`themes`).

    Examples
    --------
    >>> result = analyse_texts(["great coffee but delivery took two weeks", "Der Kaffee ist gut"],
    ...                        load_taxonomy())
    >>> result.documents
       text_id  compound       label language
    0        0    0.3716    positive       en
    1        1       NaN  not scored    other
    >>> result.mentions[["theme", "compound"]]
          theme  compound
    0   product    0.6249
    1  delivery   -0.3612
    """
    patterns = _compile(taxonomy)
    return _run(_as_texts(texts, "analyse_texts"), patterns, processes, "all")


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


IMPACT_MEASURES = ("nps", "rating")
IMPACT_COLUMNS = ["theme", "texts", "share_of_voice", "mean_sentiment", "score_with", "score_without", "effect",
                  "ci_low", "ci_high", "p_value", "negative_texts", "moved", "score", "if_neutral", "gain",
                  "gain_ci_low", "gain_ci_high", "n", "measure"]


def theme_impact(mentions: pd.DataFrame, scores: pd.Series, *, measure: str = "nps", scale=(1, 5),
                 confidence: float = 0.95) -> pd.DataFrame:
    """Each theme's effect on the score: texts mentioning it against texts that do not, and the
    score if the theme's negative mentions had been neutral.

    The base is every text with a score in ``scores`` (pass the English texts analysed, e.g. the
    survey comments with their NPS, or the reviews with their stars); a theme is "mentioned" by
    a text with at least one clause about it, and "negative" in a text with at least one such
    clause scoring <= -0.05.

    * ``measure="nps"`` (scores 0-10): NPS with the theme minus NPS without it, with the Wald
      interval and z-test of :func:`cxnb.stats.nps_difference`. *If neutral*: every detractor
      whose text is negative about the theme becomes a passive — the assumption that, without
      that complaint, they would have been neither detractors nor promoters. The gain is
      100 x moved / n NPS points, with a Wilson interval on moved / n.
    * ``measure="rating"`` (stars on ``scale``): mean rating with minus without, with Welch's
      t interval and test. *If neutral*: every rating below the scale's midpoint whose text is
      negative about the theme is raised to the midpoint; the gain is the mean rise over all
      texts, with a t interval.

    Both are associations, not causal effects: customers who mention delivery may differ in
    other ways too. The "if neutral" figures are upper bounds of what fixing the theme is worth
    under their stated assumption.

    Parameters
    ----------
    mentions : DataFrame
        Theme mentions (``text_id, theme, compound``), from :func:`themes` or the ``mentions``
        of :func:`discover_themes`.
    scores : Series
        The score of each text, indexed by ``text_id``; missing scores are dropped.
    measure : {"nps", "rating"}
    scale : (int, int)
        Lowest and highest rating (``measure="rating"``).
    confidence : float
        Level of every interval.

    Returns
    -------
    DataFrame
        One row per theme, the most damaging first (``effect`` ascending): ``theme``, ``texts``
        (scored texts mentioning it), ``share_of_voice`` (% of ``n``), ``mean_sentiment`` (mean
        clause compound), ``score_with, score_without`` (NPS in points or mean rating),
        ``effect`` (with - without), ``ci_low, ci_high, p_value``, ``negative_texts``,
        ``moved`` (responses changed by the if-neutral assumption), ``score`` (all texts),
        ``if_neutral`` (the score after the change), ``gain`` (if_neutral - score),
        ``gain_ci_low, gain_ci_high``, ``n`` (scored texts) and ``measure``.

    Examples
    --------
    >>> import pandas as pd
    >>> mentions = pd.DataFrame({"text_id": ["a", "b", "c", "d"], "theme": "delivery",
    ...                          "compound": [-0.5, -0.4, 0.6, -0.3]})
    >>> scores = pd.Series([2, 5, 9, 8, 10, 9, 10, 7], index=list("abcdefgh"))
    >>> out = theme_impact(mentions, scores)
    >>> out[["theme", "texts", "score_with", "score_without", "effect", "moved", "score", "if_neutral"]]
          theme  texts  score_with  score_without  effect  moved  score  if_neutral
    0  delivery      4       -25.0           75.0  -100.0      2   25.0        50.0
    """
    from scipy import stats as scipy_stats

    from cxnb.stats import nps_counts, nps_difference, nps_summary, wilson_interval

    if measure not in IMPACT_MEASURES:
        raise CxnbError(f"theme_impact: measure must be one of {', '.join(IMPACT_MEASURES)}; got {measure!r}")
    missing = {"text_id", "theme", "compound"} - set(getattr(mentions, "columns", []))
    if missing:
        raise CxnbError(f"theme_impact expects theme mentions (cxnb.text.themes); they lack {sorted(missing)}")
    if not isinstance(scores, pd.Series):
        raise CxnbError(f"theme_impact: scores must be a Series indexed by text_id; got {type(scores).__name__}")
    scores = pd.to_numeric(scores, errors="coerce").dropna().astype(float)
    if scores.index.has_duplicates:
        raise CxnbError("theme_impact: scores has repeated text ids; give one score per text")
    n = len(scores)
    if n < 2:
        raise CxnbError(f"theme_impact needs scores for at least 2 texts; got {n}")
    lowest, highest = scale
    if measure == "nps":
        total = nps_counts(scores)
        overall = 100 * nps_summary(*total).nps
    else:
        off = scores[(scores < lowest) | (scores > highest)]
        if len(off):
            raise CxnbError(f"theme_impact: {len(off)} rating(s) outside the scale {lowest}-{highest}, "
                            f"e.g. {off.iloc[0]:g} for {off.index[0]!r}")
        overall = float(scores.mean())
    rows = []
    for theme, group in mentions[mentions["text_id"].isin(scores.index)].groupby("theme", sort=True):
        inside = scores.index.isin(group["text_id"].unique())
        negative = scores.index.isin(group.loc[group["compound"] <= NEGATIVE_THRESHOLD, "text_id"].unique())
        with_, without = scores[inside], scores[~inside]
        row = {"theme": theme, "texts": int(inside.sum()), "share_of_voice": 100 * float(inside.mean()),
               "mean_sentiment": float(group["compound"].mean())}
        if measure == "nps":
            a, b = nps_counts(with_), nps_counts(without)
            row["score_with"] = 100 * nps_summary(*a).nps
            row["score_without"] = 100 * nps_summary(*b).nps if len(without) else math.nan
            difference = nps_difference(a, b, confidence) if len(without) else None
            effect = (100 * difference.difference, 100 * difference.ci_low, 100 * difference.ci_high,
                      difference.p_value) if difference else (math.nan,) * 4
            moved = int((negative & (scores.to_numpy() <= 6)).sum())
            share = wilson_interval(moved, n, confidence)
            gain = (100 * share.proportion, 100 * share.ci_low, 100 * share.ci_high)
        else:
            row["score_with"], row["score_without"] = float(with_.mean()), float(without.mean())
            if len(with_) > 1 and len(without) > 1:
                with warnings.catch_warnings():  # identical ratings: scipy warns, the p-value is NaN
                    warnings.simplefilter("ignore", RuntimeWarning)
                    test = scipy_stats.ttest_ind(with_, without, equal_var=False)
                interval = test.confidence_interval(confidence)
                effect = (row["score_with"] - row["score_without"], float(interval.low), float(interval.high),
                          float(test.pvalue))
            else:
                effect = (row["score_with"] - row["score_without"], math.nan, math.nan, math.nan)
            lift = np.where(negative, np.clip((lowest + highest) / 2 - scores.to_numpy(), 0, None), 0.0)
            moved = int((lift > 0).sum())
            rise = t_interval(lift, confidence)
            gain = (rise.mean, rise.ci_low, rise.ci_high)
        row.update(effect=effect[0], ci_low=effect[1], ci_high=effect[2], p_value=effect[3],
                   negative_texts=int(negative.sum()), moved=moved, score=overall, if_neutral=overall + gain[0],
                   gain=gain[0], gain_ci_low=gain[1], gain_ci_high=gain[2], n=n, measure=measure)
        rows.append(row)
    result = pd.DataFrame(rows, columns=IMPACT_COLUMNS)
    return result.sort_values(["effect", "theme"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Discovery: themes the taxonomy misses


class Discovery(NamedTuple):
    """Discovered themes (``topics``) and their clauses (``mentions``), see :func:`discover_themes`."""

    topics: pd.DataFrame
    mentions: pd.DataFrame


# Redaction marks are not words customers wrote.
_MARKS = re.compile(r"\[(?:email|phone|card|name)\]")


def _phrases(terms: list[str]) -> list[str]:
    """Top terms as taxonomy phrases: a term that another one starts ("reward" for "rewards")
    is kept in its place, because a phrase matches at a word start and runs on."""
    kept: list[str] = []
    for term in terms:
        if any(term.startswith(k) for k in kept):
            continue
        kept = [k for k in kept if not k.startswith(term)] + [term]
    return sorted(kept, key=terms.index)


def discover_themes(clauses: pd.DataFrame, taxonomy=None, *, n_themes: int = 12, top_terms: int = 8,
                    quotes: int = 3, min_count: int = 5, seed: int) -> Discovery:
    """Themes the taxonomy misses: TF-IDF and non-negative matrix factorisation (NMF) of clauses.

    The English clauses that mention no taxonomy theme are turned into TF-IDF vectors
    (scikit-learn's ``TfidfVectorizer``: words of three letters or more found in at least
    ``min_count`` clauses and at most half of them, sub-linear term frequency) and factorised by
    NMF into ``n_themes`` themes. Words that only express sentiment — English stop words and
    every word of VADER's lexicon ("great", "disappointed") — are left out, with VADER's
    intensifiers and negations ("really", "absolutely", "never"): sentiment is measured
    separately, and these words would otherwise form "themes" of their own. Each clause
    belongs to the theme with its largest NMF weight (clauses with none of the vocabulary to
    none). The factorisation starts from NNDSVD, so the result is deterministic.

    Parameters
    ----------
    clauses : DataFrame
        Clauses as :func:`sentences` or :func:`analyse_texts` return them (``text_id, sentence,
        compound, language``); they are already redacted.
    taxonomy : dict, optional
        Clauses mentioning one of its themes are left out, so what is found is what the
        taxonomy misses; default: every English clause.
    n_themes : int
        Themes to extract.
    top_terms : int
        Most heavily weighted words listed per theme (words with under a tenth of the theme's
        largest weight are not listed).
    quotes : int
        Representative clauses per theme: those with the largest weight on it.
    min_count : int
        A word must occur in this many clauses, and a theme must hold this many texts, to count.
    seed : int
        Seed of the factorisation (from the client config).

    Returns
    -------
    Discovery
        ``topics``: one row per theme with at least ``min_count`` texts, largest first:
        ``topic`` (1, 2, ...), ``label`` (its top three words), ``top_terms`` (comma-separated),
        ``texts`` (distinct texts), ``clauses``, ``mean_sentiment`` (mean clause compound),
        ``quotes`` (representative redacted clauses joined by " | ") and ``suggested_entry`` (a
        one-line YAML entry in the layout of ``templates/themes.yaml``, theme → sub-theme →
        phrases, to paste under ``themes.overrides`` of a client config once reviewed).
        ``mentions``: ``text_id, sentence, theme`` (the
        label), ``compound``, one row per assigned clause, ready for :func:`theme_summary`.

    Raises
    ------
    CxnbError
        If the frame lacks the clause columns, or too few clauses are left (fewer than
        ``n_themes * min_count``) or they share no words.

    Examples
    --------
    >>> texts = ["my reward voucher expired", "cannot redeem my reward voucher", "great coffee",
    ...          "fast delivery", "long time customer", "customer for a long time now"] * 3
    >>> found = discover_themes(sentences(texts), load_taxonomy(), n_themes=2, min_count=2, seed=1)
    >>> found.topics[["topic", "label", "texts", "mean_sentiment"]]
       topic                       label  texts  mean_sentiment
    0      1      long / time / customer      6          0.0000
    1      2  voucher / reward / expired      6         -0.1806
    >>> found.topics["suggested_entry"].iloc[1]
    'voucher_reward: {discovered: [voucher, reward, expired, redeem]}'
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    missing = {"text_id", "sentence", "compound", "language"} - set(getattr(clauses, "columns", []))
    if missing:
        raise CxnbError(f"discover_themes expects the clauses cxnb.text.sentences returns; it lacks {sorted(missing)}")
    n_themes, top_terms = _positive(n_themes, "n_themes"), _positive(top_terms, "top_terms")
    quotes, min_count = _positive(quotes, "quotes"), _positive(min_count, "min_count")
    english = clauses[clauses["language"] == "en"]
    if taxonomy is not None:
        patterns = _compile(taxonomy)
        english = english[[not _mentions(sentence, patterns) for sentence in english["sentence"]]]
    if len(english) < n_themes * min_count:
        raise CxnbError(
            f"discover_themes: {len(english)} English clause(s) mention no taxonomy theme; discovering {n_themes} "
            f"themes needs at least {n_themes * min_count} (n_themes x min_count) — lower n_themes or min_count"
        )
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE

    contractions = {word[:-2] for word in NEGATE if word.endswith("n't")}  # "couldn" of "couldn't"
    stop = sorted(word for word in ENGLISH_STOP_WORDS | set(BOOSTER_DICT) | set(NEGATE) | contractions
                  | set(_analyser().lexicon) if word.isalpha())
    vectoriser = TfidfVectorizer(stop_words=stop, min_df=min_count, max_df=0.5, sublinear_tf=True,
                                 token_pattern=r"(?u)\b[^\W\d_]{3,}\b")
    try:
        matrix = vectoriser.fit_transform(english["sentence"].str.replace(_MARKS, " ", regex=True))
    except ValueError:  # no word left after the frequency limits
        matrix = None
    if matrix is None or matrix.shape[1] < n_themes:
        raise CxnbError(f"discover_themes: the {len(english)} clauses share too few words (found in {min_count}+ "
                        f"clauses) for {n_themes} themes — lower n_themes or min_count")
    model = NMF(n_components=n_themes, init="nndsvd", random_state=seed, max_iter=1000)
    weights = model.fit_transform(matrix)
    vocabulary = vectoriser.get_feature_names_out()
    assigned = weights.max(axis=1) > 0
    best = np.where(assigned, weights.argmax(axis=1), -1)
    rows, members = [], []
    for k, loadings in enumerate(model.components_):
        inside = best == k
        texts = english.loc[inside, "text_id"].nunique()
        if texts < min_count:
            continue
        order = np.argsort(-loadings)
        terms = [str(vocabulary[i]) for i in order[:top_terms] if loadings[i] >= 0.1 * loadings[order[0]]]
        phrases = _phrases(terms)
        label = " / ".join(phrases[:3])
        chosen = english.loc[inside].assign(weight=weights[inside, k]).sort_values("weight", ascending=False)
        shown = chosen["sentence"].drop_duplicates().head(quotes)
        entry = f"{'_'.join(phrases[:2])}: " + yaml.safe_dump({"discovered": phrases}, default_flow_style=True)
        rows.append({"label": label, "top_terms": ", ".join(terms), "texts": texts, "clauses": int(inside.sum()),
                     "mean_sentiment": float(chosen["compound"].mean()), "quotes": " | ".join(shown),
                     "suggested_entry": entry.strip()})
        members.append(chosen[["text_id", "sentence", "compound"]].assign(theme=label))
    topics = pd.DataFrame(rows, columns=["label", "top_terms", "texts", "clauses", "mean_sentiment", "quotes",
                                         "suggested_entry"])
    topics = topics.sort_values(["texts", "label"], ascending=[False, True], kind="stable").reset_index(drop=True)
    topics.insert(0, "topic", range(1, len(topics) + 1))
    columns = ["text_id", "sentence", "theme", "compound"]
    mentions = pd.concat(members, ignore_index=True)[columns] if members else pd.DataFrame(columns=columns)
    return Discovery(topics, mentions)


def _positive(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise CxnbError(f"{name} must be a whole number of at least 1; got {value!r}")
    return int(value)


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
