"""Text analytics (cxnb.text): VADER integration, clauses, language guard, themes, recovery on the samples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

import cxnb
from cxnb.errors import CxnbError
from cxnb.text import language, load_taxonomy, normalise, sentences, sentiment, theme_summary, themes


# vaderSentiment README worked examples (values also in ../shared/reference-data/README.md,
# "sentiment — VADER"); Hutto & Gilbert (2014) label them with the ±0.05 thresholds.
@pytest.mark.parametrize(
    "text, compound, label",
    [
        ("VADER is smart, handsome, and funny.", 0.8316, "positive"),
        ("VADER is not smart, handsome, nor funny.", -0.7424, "negative"),
        ("The book was good.", 0.4404, "positive"),
        ("At least it isn't a horrible book.", 0.431, "positive"),
        ("Today SUX!", -0.5461, "negative"),
        ("Not bad at all", 0.431, "positive"),
    ],
)
def test_sentiment_matches_vader_readme(text, compound, label):
    row = sentiment([text]).iloc[0]
    assert row["compound"] == pytest.approx(compound, abs=5e-5)
    assert row["label"] == label
    assert row["language"] == "en"


def test_sentiment_keeps_the_callers_index_and_data():
    texts = pd.Series(["  The book  was good. ", "Today SUX!"], index=["r7", "r9"])
    before = texts.copy()
    out = sentiment(texts)
    assert list(out.index) == ["r7", "r9"]
    assert list(out.columns) == ["compound", "label", "language"]
    pd.testing.assert_series_equal(texts, before)


def test_missing_text_is_a_clear_error():
    with pytest.raises(CxnbError, match=r"dropna"):
        sentiment(pd.Series(["fine", None]))
    with pytest.raises(CxnbError, match=r"wrap it in a list"):
        sentiment("The book was good.")


def test_normalise_folds_unicode_and_whitespace_but_keeps_case():
    assert normalise("GREAT\u00a0coffee!!\n\tSlow   delivery") == "GREAT coffee!! Slow delivery"
    assert normalise("\uff21pp") == "App"  # full-width letter (NFKC)


def test_mixed_text_splits_into_a_positive_and_a_negative_clause():
    out = sentences(["great coffee but delivery took two weeks"])
    assert out["sentence"].tolist() == ["great coffee", "delivery took two weeks"]
    assert out["compound"].iloc[0] > 0.05 and out["label"].iloc[0] == "positive"
    assert out["compound"].iloc[1] < -0.05 and out["label"].iloc[1] == "negative"
    rows = themes(["great coffee but delivery took two weeks"], load_taxonomy())
    assert rows[["sentence", "theme"]].values.tolist() == [
        ["great coffee", "product"],
        ["delivery took two weeks", "delivery"],
    ]
    assert rows["compound"].iloc[0] > 0 > rows["compound"].iloc[1]


@pytest.mark.parametrize(
    "text, clauses",
    [
        ("Lovely beans. The app crashed; support was great", 3),
        ("The box was nice, however the tin was dented", 2),
        ("Although pricey, worth it", 1),  # a leading conjunction opens no clause (documented limit)
        ("It renewed even though I cancelled", 1),  # "even though" is not a boundary
        ("£12.50 for 250g is fair", 1),  # a decimal point is no sentence end
    ],
)
def test_clause_boundaries(text, clauses):
    assert len(sentences([text])) == clauses


def test_language_guard_flags_german_and_french_and_does_not_score_them():
    texts = [
        "Der Service war schlecht",  # PITFALLS: VADER alone scores this negative ("war")
        "Le café est délicieux mais la livraison était très lente.",
        "The service was bad",
        "Brilliant!",
    ]
    out = sentiment(texts)
    assert out["language"].tolist() == ["other", "other", "en", "en"]
    assert out["label"].tolist()[:2] == ["not scored", "not scored"]
    assert out["compound"].iloc[:2].isna().all()
    assert out["compound"].iloc[2] < -0.05 and out["compound"].iloc[3] > 0.05
    assert themes(texts[:2], load_taxonomy()).empty


@pytest.mark.parametrize(
    "text, expected",
    [
        # real sentences in other languages, of the kind customers write
        ("Het pakket was te laat", "other"),  # Dutch
        ("De bezorger heeft het pakket bij de buren afgegeven", "other"),  # Dutch
        ("Pedido no llegó, muy mal servicio", "other"),  # Spanish
        ("El café llegó frío y el repartidor fue muy grosero", "other"),  # Spanish
        ("Il servizio clienti non ha mai risposto alle mie email", "other"),  # Italian
        ("Pessimo servizio, consegna lenta, prodotto arrivato rotto e mai rimborsato", "other"),  # no function word
        ("O pedido chegou atrasado e a embalagem estava danificada", "other"),  # Portuguese
        ("Leveringen var sen och paketet var skadat", "other"),  # Swedish
        ("Der Support antwortet schnell.", "other"),  # German with a borrowed noun that VADER knows
        ("Colis arrivé abîmé, décevant.", "other"),  # French, no function word
        # English with foreign words or names stays English
        ("Zoë at the Café Rouge counter was so kind, merci beaucoup!", "en"),
        ("Ordered the Kaffee und Kuchen set, great value", "en"),
        ("Danke schön to the team, the grinder works perfectly", "en"),
        ("Delivery van was late again", "en"),  # "van" is Dutch and German too
        ("Great for pour over", "en"),  # "pour" is French too
        ("I would die for this blend", "en"),  # "die" is German too
        ("Great café", "en"),
        ("Mixed feelings. Checkout took seconds", "en"),  # no English function or sentiment word, but short
    ],
)
def test_language_guard_is_general(text, expected):
    assert language([text]).iloc[0] == expected


def test_negated_theme_mention_still_counts():
    rows = themes(["not happy with the delivery"], load_taxonomy())
    assert rows[["theme", "negated"]].values.tolist() == [["delivery", True]]
    assert rows["compound"].iloc[0] < -0.05
    never = themes(["We never had a billing problem"], load_taxonomy())
    assert never[["theme", "negated"]].values.tolist() == [["subscription", True]]
    far = themes(["not one thing went wrong with the delivery"], load_taxonomy())  # 5 words between
    assert not far["negated"].any()
    plain = themes(["Happy with the delivery"], load_taxonomy())
    assert not plain["negated"].any()


def test_clauses_are_redacted_before_they_are_returned():
    text = "The coffee is lovely but email me at jo.bloggs@example.co.uk about the delivery"
    out = sentences([text])
    assert out["sentence"].tolist()[1] == "email me at [email] about the delivery"
    assert not out["sentence"].str.contains("@").any()
    rows = themes([text], load_taxonomy())
    assert rows.loc[rows["theme"] == "delivery", "sentence"].tolist() == ["email me at [email] about the delivery"]
    # the redaction mark "[phone]" is not a mention of the phone (service) theme
    assert themes(["call me on 07700 900123"], load_taxonomy()).empty


def test_taxonomy_overrides_merge_on_top_without_touching_the_callers_dict():
    overrides = {"delivery": {"tracking": ["tracking", "track and trace"]}, "loyalty": {"points": ["reward"]}}
    snapshot = {k: dict(v) for k, v in overrides.items()}
    tax = load_taxonomy(overrides=overrides)
    assert tax["delivery"]["tracking"] == ["tracking", "track and trace"]
    assert "courier" in tax["delivery"]  # other sub-themes kept
    assert overrides == snapshot
    rows = themes(["Track and trace was useless", "Love the rewards"], tax)
    assert rows["theme"].tolist() == ["delivery", "loyalty"]
    with pytest.raises(CxnbError, match=r"has no taxonomy 'b2x'.*\['b2b', 'b2c'\]"):
        load_taxonomy(business="b2x")
    with pytest.raises(CxnbError, match=r"'loyalty' must map sub-themes"):
        load_taxonomy(overrides={"loyalty": ["reward"]})


def test_theme_summary_columns_and_order():
    rows = themes(["Great coffee.", "Lovely coffee!", "not happy with the delivery"], load_taxonomy())
    summary = theme_summary(rows, total_texts=4)
    assert list(summary.columns) == [
        "theme", "mentions", "texts", "share_of_voice", "mean_sentiment", "ci_low", "ci_high", "negative_share",
    ]
    assert summary["theme"].tolist() == ["delivery", "product"]  # most negative first
    product = summary.set_index("theme").loc["product"]
    assert product["share_of_voice"] == 50.0  # hand count: 2 of 4 texts
    assert product["negative_share"] == 0.0
    assert product["ci_low"] < product["mean_sentiment"] < product["ci_high"]
    assert math.isnan(summary.set_index("theme").loc["delivery", "ci_low"])  # one mention: no interval
    with pytest.raises(CxnbError, match="total_texts"):
        theme_summary(rows, total_texts=0)


# ---------------------------------------------------------------------------------------------
# Recovery on the sample companies (data/samples/*/truth.json)


@pytest.fixture(scope="module", params=["b2c", "b2b"])
def sample_text(request):
    name = request.param
    bundle = cxnb.load_sample(name)
    texts = pd.concat(
        [bundle.tables["responses"]["comment"].dropna(), bundle.tables["reviews"]["text"].dropna()], ignore_index=True
    )
    langs = language(texts)
    english = texts[langs == "en"]
    rows = themes(english, load_taxonomy(business=name))
    return name, cxnb.sample_truth(name), texts, langs, rows, theme_summary(rows, total_texts=len(english))


def test_language_guard_counts_match_the_planted_foreign_texts(sample_text):
    _, truth, texts, langs, _, _ = sample_text
    assert len(texts) == truth["text"]["texts"]  # b2c 14,957; b2b 1,396
    # exact: b2c 116 German + 117 French = 233; b2b 13 + 15 = 28
    assert int((langs == "other").sum()) == sum(truth["text"]["non_english"].values())


def test_most_negative_theme_is_recovered(sample_text):
    _, truth, _, _, _, summary = sample_text
    planted = {"b2c": "subscription", "b2b": "integrations"}
    expected = min(truth["themes"]["per_theme"], key=lambda t: truth["themes"]["per_theme"][t]["mean_sentiment_clause"])
    assert expected in planted.values()
    assert summary["theme"].iloc[0] == expected
    assert summary["ci_high"].iloc[0] < 0


def test_theme_shares_follow_the_planted_shares(sample_text):
    # tolerance: 2 percentage points of the share of mentions (measured: at most 0.7 points off)
    _, truth, _, _, rows, _ = sample_text
    shares = rows["theme"].value_counts(normalize=True)
    planted = pd.Series({t: v["share_of_mentions"] for t, v in truth["themes"]["per_theme"].items()})
    assert set(shares.index) == set(planted.index)
    assert (shares - planted).abs().max() < 0.02


def test_client_config_chooses_the_taxonomy_and_adds_its_own_words(tmp_path):
    from cxnb.config import load_config
    from cxnb.text import client_taxonomy, customer_texts

    b2b = cxnb.load_sample("b2b")
    assert "integrations" in client_taxonomy(b2b.config) and "delivery" not in client_taxonomy(b2b.config)
    texts = customer_texts(b2b)
    assert len(texts) == cxnb.sample_truth("b2b")["text"]["texts"]  # every comment and review, once
    assert texts.index.str.match(r"^(responses|reviews):").all()
    (tmp_path / "c.csv").write_text("customer_id\n1\n")
    (tmp_path / "client.yaml").write_text(
        "name: A\nthemes: {overrides: {product: {blends: [house blend]}, packaging: null}}\n"
        "sources: {customers: {path: c.csv}}\n")
    taxonomy = client_taxonomy(load_config(tmp_path / "client.yaml"))
    assert taxonomy["product"]["blends"] == ["house blend"] and "packaging" not in taxonomy


# ---------------------------------------------------------------------------------------------
# The kit's VADER: domain words neutral, a faster path for ASCII text with the same scores


def test_fast_path_gives_vaders_own_scores_on_every_sample_text():
    from cxnb.text import _analyser, _score, customer_texts

    texts = [normalise(t) for t in customer_texts(cxnb.load_sample("b2b"))]
    reference = _analyser()  # the same lexicon; polarity_scores is VADER's unchanged method
    assert any(not t.isascii() for t in texts) and sum(t.isascii() for t in texts) > 1000
    assert [_score(t) for t in texts] == [reference.polarity_scores(t)["compound"] for t in texts]


def test_fast_path_gives_vaders_own_scores_on_texts_full_of_its_special_cases():
    """Generated texts packed with what VADER's rules look at: negations, boosters ("kind of",
    "sort of"), "no" before a lexicon word, "least", idioms ("kiss of death", "to die for"),
    "but", ALL CAPS words, emoticons, and runs of "!" and "?"."""
    import random

    from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SPECIAL_CASES

    from cxnb.text import _analyser, _score

    reference = _analyser()
    rng = random.Random(7)
    vocabulary = (sorted(reference.lexicon)[::25] + sorted(BOOSTER_DICT) + NEGATE
                  + [w for idiom in SPECIAL_CASES for w in idiom.split()]
                  + "no or nor least at very kind of sort so this never without doubt but But BUT the and a "
                    "GOOD BAD VERY NOT :) :-( support help".split())
    texts = []
    for _ in range(20_000):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(0, 12))]
        words = [w.upper() if rng.random() < 0.1 else w.capitalize() if rng.random() < 0.1 else w for w in words]
        texts.append(" ".join(w + rng.choice(["", "", "", ",", ".", "!", "?", "!!!", "???"]) for w in words)
                     + rng.choice(["", "!", "?", " ?? ", "!!!!!"]))
    texts = [t for t in texts if t.isascii()]
    assert len(texts) > 19_000
    assert [_score(t) for t in texts] == [reference.polarity_scores(t)["compound"] for t in texts]


def test_domain_words_are_neutral_and_judgements_keep_their_score():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from cxnb.text import DOMAIN_WORDS

    plain = SentimentIntensityAnalyzer()
    assert {"support", "help", "reward", "care"} <= DOMAIN_WORDS
    # plain VADER: "support" alone is worth +1.7 (vader_lexicon.txt), so a complaint reads positive
    assert plain.polarity_scores("Support never replied")["compound"] == 0.4019
    assert sentences(["Support never replied"])["label"].tolist() == ["negative"]  # complaint rule: -0.3612
    assert sentences(["Support never replied"])["compound"].tolist() == [-0.3612]
    assert sentiment(["I need help with my order"])["compound"].tolist() == [0.0]  # plain VADER: +0.4019
    # a judgement is a separate lexicon word and keeps its valence ("helpful" 1.8 → 0.4754 alone)
    assert sentiment(["The team was helpful."])["compound"].tolist() == [plain.polarity_scores(
        "The team was helpful.")["compound"]]


def test_neutral_domain_words_move_the_service_theme_towards_the_planted_polarity(monkeypatch):
    """b2c service clauses: planted 43.9 % negative (truth.json mean polarity +0.122); with the
    plain lexicon "support"/"help" pull the measured share down to 28.5 %, neutralised 38.0 %."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from cxnb import text

    bundle, truth = cxnb.load_sample("b2c"), cxnb.sample_truth("b2c")
    texts = text.customer_texts(bundle)
    planted = 100 * (1 - truth["themes"]["per_theme"]["service"]["mean_sentiment_clause"]) / 2
    kit = text.theme_summary(themes(texts, load_taxonomy()), total_texts=len(texts)).set_index("theme")
    plain_analyser = SentimentIntensityAnalyzer()
    monkeypatch.setattr(text, "_analyser", lambda: plain_analyser)
    plain = text.theme_summary(themes(texts, load_taxonomy()), total_texts=len(texts)).set_index("theme")
    assert abs(kit.loc["service", "negative_share"] - planted) < abs(plain.loc["service", "negative_share"] - planted)
    assert kit.loc["service", "negative_share"] - plain.loc["service", "negative_share"] > 5  # measured 9.5 points
    others = kit.index.drop("service")  # themes without these words barely move (measured: at most 0.9 points)
    assert (kit.loc[others, "negative_share"] - plain.loc[others, "negative_share"]).abs().max() < 2


def test_complaint_phrases_of_the_samples_score_negative():
    """The generator's complaint phrases (neg banks of both companies): plain VADER finds 91 of
    172 negative; with the complaint rule 129 (measured when the idioms were added)."""
    from cxnb.samples.generate import B2B, B2C

    phrases = [p for spec in (B2C, B2B) for bank in spec["text"]["phrases"].values() for p in bank["neg"]]
    scored = sentences(phrases).groupby("text_id")["compound"].mean()
    assert len(phrases) == 172
    assert int((scored <= -0.05).sum()) >= 129


# ---------------------------------------------------------------------------------------------
# One pass, batched over processes


def test_analyse_texts_matches_the_separate_functions_and_any_number_of_processes():
    from cxnb.text import analyse_texts, customer_texts

    texts = customer_texts(cxnb.load_sample("b2b")).iloc[:600]
    taxonomy = load_taxonomy(business="b2b")
    one = analyse_texts(texts, taxonomy, processes=1)
    two = analyse_texts(texts, taxonomy, processes=2)
    for name in ("documents", "clauses", "mentions"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name))
    pd.testing.assert_frame_equal(one.clauses, sentences(texts))
    pd.testing.assert_frame_equal(one.mentions, themes(texts, taxonomy))
    documents = sentiment(texts)
    assert one.documents["text_id"].tolist() == documents.index.tolist()
    np.testing.assert_array_equal(one.documents["compound"].to_numpy(), documents["compound"].to_numpy())


def _reference_analysis(texts: pd.Series, taxonomy: dict) -> tuple[list, list, list]:
    """Rows of analyse_texts computed the plain way, from the documented rules: VADER's own
    polarity_scores on every clause and on every whole text, every clause redacted, every phrase
    of the taxonomy searched for in every clause, and the clause split as first written."""
    import re

    from cxnb import text
    from cxnb.redact import redact

    analyser = text._analyser()
    split = re.compile(r"(?<=[.!?])\s+|\s*;\s*|\s*[,-]?\s*\b(?:but|however|although|(?<!even )though)\b\s*,?\s*",
                       re.IGNORECASE)
    phrases = [(theme, subtheme, re.compile(r"(?<![\w\[])" + r"\s+".join(map(re.escape, phrase.split())), re.I))
               for theme, subthemes in taxonomy.items() for subtheme, listed in subthemes.items() for phrase in listed]

    def negated(clause, start, window, negator):
        return any(negator.search(w) for w in re.findall(r"[\w']+", clause[:start])[-window:])

    def label(compound):
        return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"

    documents, clauses, mentions = [], [], []
    for text_id, raw in texts.items():
        whole = normalise(raw)
        lang = text.language([whole]).iloc[0]  # the guard is a rule of its own, tested above
        for i, part in enumerate(c.strip() for c in split.split(whole) if c and re.search(r"\w", c)):
            shown, compound = redact(part), math.nan
            if lang == "en":
                compound = analyser.polarity_scores(shown)["compound"]
                if -0.05 < compound < 0.05 and any(not negated(shown, m.start(), 3, text._NEGATOR)
                                                   for m in text._COMPLAINTS.finditer(shown)):
                    compound = -0.3612  # one valence of -1.5: -1.5 / sqrt(1.5**2 + 15), VADER's normalisation
                found = {}
                for theme, subtheme, pattern in phrases:
                    match = pattern.search(shown)
                    if match and theme not in found:
                        found[theme] = (subtheme, negated(shown, match.start(), 4, text._THEME_NEGATOR))
                mentions += [(text_id, shown, theme, subtheme, flag, compound)
                             for theme, (subtheme, flag) in found.items()]
            clauses.append((text_id, i, shown, compound, label(compound) if lang == "en" else "not scored", lang))
        compound = analyser.polarity_scores(whole)["compound"] if lang == "en" else math.nan
        documents.append((text_id, compound, label(compound) if lang == "en" else "not scored", lang))
    return documents, clauses, mentions


def test_analyse_texts_gives_the_plain_computation_row_for_row_on_every_b2c_text():
    """The pipeline's shortcuts (VADER's steps for ASCII text, one redaction test per text,
    phrases looked up by their first letters, a cheap test before the clause split) change no
    row: the plain computation on all 14,957 B2C comments and reviews gives the same frames."""
    from cxnb.text import analyse_texts, client_taxonomy, customer_texts

    bundle = cxnb.load_sample("b2c")
    texts, taxonomy = customer_texts(bundle), client_taxonomy(bundle.config)
    result = analyse_texts(texts, taxonomy, processes=1)
    for frame, rows in zip(result, _reference_analysis(texts, taxonomy)):
        expected = pd.DataFrame(rows, columns=frame.columns).astype(frame.dtypes.to_dict())
        pd.testing.assert_frame_equal(frame, expected)
    assert len(result.documents) == 14_957 and len(result.clauses) > 20_000 and len(result.mentions) > 20_000
    assert result.clauses["sentence"].str.contains("[email]", regex=False).any()  # redaction was exercised


def test_processes_must_be_a_positive_whole_number():
    with pytest.raises(CxnbError, match="processes must be a whole number of at least 1"):
        sentiment(["fine"], processes=0)


# ---------------------------------------------------------------------------------------------
# Discovery of themes the taxonomy misses


@pytest.fixture(scope="module")
def b2c_discovery():
    from cxnb.text import analyse_texts, customer_texts, discover_themes

    taxonomy = load_taxonomy()
    analysis = analyse_texts(customer_texts(cxnb.load_sample("b2c")), taxonomy)
    return analysis, discover_themes(analysis.clauses, taxonomy, seed=20241001)


def test_discovery_surfaces_the_planted_theme_the_taxonomy_lacks(b2c_discovery):
    planted = cxnb.sample_truth("b2c")["undiscovered_theme"]
    keywords = planted["keywords"]  # reward, voucher, redeem
    taxonomy = load_taxonomy()
    assert not any(k in phrase for k in keywords for subs in taxonomy.values() for ps in subs.values() for phrase in ps)
    _, found = b2c_discovery
    terms = found.topics["top_terms"].str.split(", ")
    hits = found.topics[terms.map(lambda ts: all(any(t.startswith(k) for t in ts) for k in keywords))]
    assert len(hits) == 1, found.topics[["label", "top_terms"]]
    topic = hits.iloc[0]
    members = found.mentions[found.mentions["theme"] == topic["label"]]
    holding = members["sentence"].str.contains("|".join(keywords), case=False)
    # recall: 300 planted texts; measured 300 found, in 329 texts (the other 29 share its words: "fuss", "code")
    assert members.loc[holding, "text_id"].nunique() >= 0.95 * planted["count"]
    assert holding.mean() >= 0.85  # precision of the topic's clauses
    entry = yaml.safe_load(topic["suggested_entry"])  # a taxonomy entry that can be pasted in
    (name, subthemes), = entry.items()
    assert set(subthemes["discovered"]) >= set(keywords)
    patched = load_taxonomy(overrides={name: subthemes})
    assert themes(["I still cannot redeem my rewards voucher"], patched)["theme"].tolist() == [name]


def test_discovered_quotes_are_redacted_and_themes_ranked_by_size(b2c_discovery):
    _, found = b2c_discovery
    assert found.topics["texts"].is_monotonic_decreasing
    assert found.topics["topic"].tolist() == list(range(1, len(found.topics) + 1))
    assert not found.topics["quotes"].str.contains("@example|07700 900", regex=True).any()
    # stop words and VADER's sentiment words never make a theme's top word
    assert not found.topics["label"].str.split(" / ").str[0].isin(["really", "great", "love", "the", "couldn"]).any()


def test_discovery_refuses_too_few_clauses():
    from cxnb.text import discover_themes

    with pytest.raises(CxnbError, match=r"1 English clause\(s\) mention no taxonomy theme; discovering 12 themes "
                                        r"needs at least 60"):
        discover_themes(sentences(["my voucher expired", "great coffee"]), load_taxonomy(), seed=1)
    with pytest.raises(CxnbError, match="lacks"):
        discover_themes(pd.DataFrame({"text": ["x"]}), seed=1)


# ---------------------------------------------------------------------------------------------
# Theme impact on the score


def test_theme_impact_ratings_by_hand():
    from cxnb.text import theme_impact

    mentions = pd.DataFrame({"text_id": ["a", "b", "c"], "theme": "price", "compound": [-0.5, 0.4, -0.2]})
    stars = pd.Series([1, 4, 2, 5, 5, 4], index=list("abcdef"))
    row = theme_impact(mentions, stars, measure="rating", scale=(1, 5)).iloc[0]
    # hand: with a, b, c = (1 + 4 + 2) / 3 = 2.333; without d, e, f = 14 / 3 = 4.667; difference -2.333
    assert row["score_with"] == pytest.approx(7 / 3) and row["effect"] == pytest.approx(-7 / 3)
    # Welch: var 2.333 / 3 + 0.333 / 3 = 0.8889, se 0.9428, df 2.5 (scipy's ttest_ind reference)
    from scipy import stats as scipy_stats
    assert row["p_value"] == pytest.approx(scipy_stats.ttest_ind([1, 4, 2], [5, 5, 4], equal_var=False).pvalue)
    # if neutral: a (1 star) and c (2 stars) are negative about price and below the midpoint 3 → 3;
    # rise (2 + 1) / 6 texts = 0.5 on a mean of 21 / 6 = 3.5
    assert (row["moved"], row["score"], row["gain"], row["if_neutral"]) == (2, 3.5, 0.5, 4.0)
    assert row["gain_ci_low"] < 0.5 < row["gain_ci_high"]


def test_theme_impact_nps_interval_is_the_nps_difference_interval():
    from cxnb.stats import nps_difference
    from cxnb.text import theme_impact

    mentions = pd.DataFrame({"text_id": ["a", "b", "c", "d"], "theme": "delivery",
                             "compound": [-0.5, -0.4, 0.6, -0.3]})
    scores = pd.Series([2, 5, 9, 8, 10, 9, 10, 7], index=list("abcdefgh"))
    row = theme_impact(mentions, scores).iloc[0]
    expected = nps_difference((2, 1, 1), (0, 1, 3))  # hand counts: with a-d, without e-h
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((100 * expected.ci_low, 100 * expected.ci_high))
    # 2 detractors of 8 move to passive: +25 points, Wilson interval of 2 / 8 (0.0715, 0.5907)
    assert row["gain"] == 25 and row["gain_ci_low"] == pytest.approx(7.15, abs=0.01)


def test_theme_impact_refuses_bad_input():
    from cxnb.text import theme_impact

    mentions = pd.DataFrame({"text_id": ["a"], "theme": "x", "compound": [0.1]})
    with pytest.raises(CxnbError, match="measure must be one of nps, rating"):
        theme_impact(mentions, pd.Series([1, 2], index=["a", "b"]), measure="csat")
    with pytest.raises(CxnbError, match="2 rating\\(s\\) outside the scale 1-5"):
        theme_impact(mentions, pd.Series([0, 6, 3], index=["a", "b", "c"]), measure="rating")
    with pytest.raises(CxnbError, match="NPS scores must be whole numbers 0-10"):
        theme_impact(mentions, pd.Series([11, 3], index=["a", "b"]))
