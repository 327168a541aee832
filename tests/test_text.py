"""Text analytics (cxnb.text): VADER integration, clauses, language guard, themes, recovery on the samples."""

from __future__ import annotations

import math

import pandas as pd
import pytest

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
