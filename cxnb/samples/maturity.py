"""The filled CX maturity questionnaire of each sample company (``maturity.csv``).

Managers of the company rate every practice of ``templates/maturity.yaml`` on its five levels.
Each pillar has a planted mean level; one pillar is planted clearly below the others (the
weakest, recorded in ``truth.json``). An answer is the planted pillar level plus a practice
offset, a respondent's leniency and noise, rounded and kept within 1-5; about 3 % of answers
are left empty ("don't know"). Draws come from their own random stream, so adding this file
leaves every other sample file unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["COMPANIES", "write_questionnaire"]

_STREAM = 7007  # this generator's own random stream: numpy.random.default_rng([seed, _STREAM])

COMPANIES = {
    "b2c": {
        "levels": {"strategy": 3.3, "people": 3.0, "technology": 1.8, "customer_service": 3.5, "operations": 2.9},
        "roles": ["Head of CX", "Customer Service Director", "Head of Digital", "Head of Operations",
                  "Marketing Director", "Logistics Manager", "Support Team Leader", "Data Analyst", "Finance Director"],
    },
    "b2b": {
        "levels": {"strategy": 3.4, "people": 3.1, "technology": 3.2, "customer_service": 2.9, "operations": 2.0},
        "roles": ["VP Customer Success", "Director of Support", "Head of Product", "Head of Onboarding",
                  "Account Director", "Operations Manager", "Data Engineer"],
    },
}


def write_questionnaire(folder: Path, key: str, seed: int) -> dict:
    """Write ``folder/maturity.csv`` for sample ``key``; return its truth (planted and measured levels).

    Columns: ``respondent, role, question, level`` (level empty = "don't know"). The measured
    level of a pillar is the mean over respondents of each respondent's mean answer in it, the
    score :func:`cxnb.refine.maturity_scores` reports.
    """
    from cxnb.refine import load_maturity_model

    model = load_maturity_model()
    company = COMPANIES[key]
    rng = np.random.default_rng([seed, _STREAM])
    leniency = rng.normal(0, 0.35, len(company["roles"]))
    rows = []
    for pillar, questions in model.groupby("pillar", sort=False)["question"]:
        offsets = rng.normal(0, 0.3, len(questions))
        for question, offset in zip(questions, offsets):
            raw = company["levels"][pillar] + offset + leniency + rng.normal(0, 0.45, len(leniency))
            levels = np.clip(np.rint(raw), 1, 5).astype(int).astype(object)
            levels[rng.random(len(levels)) < 0.03] = None
            rows += [{"respondent": f"R{i + 1:02d}", "role": role, "question": question, "level": level}
                     for i, (role, level) in enumerate(zip(company["roles"], levels))]
    frame = pd.DataFrame(rows).sort_values(["respondent", "question"], kind="stable")
    frame["level"] = frame["level"].astype("Int64")
    frame.to_csv(folder / "maturity.csv", index=False, encoding="utf-8", lineterminator="\n")
    answered = frame.dropna(subset=["level"]).merge(model[["question", "pillar"]], on="question")
    answered["level"] = answered["level"].astype(float)
    measured = answered.groupby(["pillar", "respondent"])["level"].mean().groupby("pillar").mean()
    planted = company["levels"]
    return {"file": "maturity.csv", "respondents": len(company["roles"]),
            "answers": int(len(answered)), "dont_know": int(frame["level"].isna().sum()),
            "planted_levels": planted, "weakest_pillar": min(planted, key=planted.get),
            "measured_levels": {p: round(float(measured[p]), 2) for p in planted},
            "definition": "measured level of a pillar = mean over respondents of each respondent's mean answer "
                          "in that pillar (don't-know answers left out)"}
