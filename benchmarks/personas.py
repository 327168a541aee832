"""Benchmark: segmenting 200,000 customers on 20 features, including the choice of k.

Data: 200,000 synthetic customers (seeded) from five latent personas: 16 numeric features
(spend and order value log-normal, purchase rate, five channel shares with one leading channel per
persona, contact rate, scores and theme shares — half of them missing) and 4 categorical
attributes (two unrelated to the personas).
Kit: ``cxnb.personas.segment`` with its defaults — k from 2 to 7 chosen by silhouette and
bootstrap stability (10 refits per k) on a seeded sample of 20,000 customers, then k-means with
10 starts on all 200,000.
Baseline, in the same run: the textbook single step — scikit-learn ``KMeans`` at a fixed k = 5
(10 starts) on the same scaled design, with no choice of k at all.
Target: under 60 s for the kit, k = 5 found, adjusted Rand index against the latent personas
printed for both.

    python benchmarks/personas.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from cxnb.personas import _design, segment

CUSTOMERS, PERSONAS, SEED = 200_000, 5, 20241001


def synthetic() -> tuple[pd.DataFrame, np.ndarray]:
    """Customers drawn from five personas that differ in value, channels, attitude and attributes."""
    rng = np.random.default_rng(SEED)
    persona = rng.choice(PERSONAS, CUSTOMERS, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    spend_mu = np.array([3.5, 5.5, 4.2, 6.5, 4.8])[persona]
    # one leading channel per persona
    channels = rng.dirichlet([2] * PERSONAS, CUSTOMERS) * 0.5 + np.eye(PERSONAS)[persona] * 0.5
    frame = pd.DataFrame({
        "customer_id": [f"{i:08d}" for i in range(CUSTOMERS)],
        "tenure_years": rng.gamma(2 + persona, 0.8),
        "spend": np.exp(rng.normal(spend_mu, 0.5)),
        "order_value": np.exp(rng.normal(spend_mu - 2, 0.4)),
        "purchases_per_year": rng.poisson(np.array([2, 8, 3, 12, 5])[persona]) + 0.0,
        "contacts_per_year": rng.gamma(1 + persona % 3, 0.3),
        **{f"share_tickets_{c}": channels[:, j] for j, c in enumerate(["chat", "phone", "email", "portal", "app"])},
        "nps": np.clip(np.round(rng.normal(np.array([5, 9, 6, 8, 3])[persona], 2)), 0, 10),
        "csat": np.clip(np.round(rng.normal(np.array([3, 4.5, 3.5, 4, 2.5])[persona], 0.8)), 1, 5),
        "sentiment": np.clip(rng.normal(np.array([-0.1, 0.5, 0.1, 0.3, -0.4])[persona], 0.3), -1, 1),
        **{f"theme_{t}": rng.beta(1 + (persona == j) * 3, 4, CUSTOMERS) for j, t in
           enumerate(["price", "product", "delivery"])},
    })
    for column in ("nps", "csat", "sentiment", "theme_price", "theme_product", "theme_delivery"):
        frame.loc[rng.random(CUSTOMERS) < 0.5, column] = np.nan  # half never answered or wrote
    frame["plan"] = np.array(["none", "basic", "plus", "premium", "basic"])[persona]
    frame.loc[rng.random(CUSTOMERS) < 0.3, "plan"] = "none"
    frame["region"] = rng.choice(["north", "south", "east", "west", "centre"], CUSTOMERS)
    frame["age_band"] = rng.choice(["18-34", "35-54", "55+"], CUSTOMERS)
    frame["source"] = np.array(["search", "social", "referral", "partner", "search"])[persona]  # 0 and 4 alike
    return frame, persona


def main() -> None:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from threadpoolctl import threadpool_limits

    began = time.perf_counter()
    frame, persona = synthetic()
    features = frame.shape[1] - 1
    print(f"data: {len(frame):,} customers x {features} features, made in {time.perf_counter() - began:.1f} s")

    began = time.perf_counter()
    result = segment(frame, seed=SEED)
    kit = time.perf_counter() - began
    kit_ari = adjusted_rand_score(persona, result.labels["segment"])
    print(result.selection.round(3).to_string(index=False))
    print(f"kit:      {kit:6.1f} s  k chosen = {result.k} ({result.components} principal components), "
          f"ARI vs latent personas {kit_ari:.3f}")

    numeric = list(result.numeric)
    began = time.perf_counter()
    x, _ = _design(frame, numeric, list(result.categorical))
    with threadpool_limits(limits=1):
        labels = KMeans(n_clusters=PERSONAS, n_init=10, random_state=SEED).fit(x).labels_
    base = time.perf_counter() - began
    print(f"baseline: {base:6.1f} s  k fixed = {PERSONAS} (no choice of k), ARI vs latent personas "
          f"{adjusted_rand_score(persona, labels):.3f}")
    print(f"ratio kit / baseline: {kit / base:.1f}x; target under 60 s: {'met' if kit < 60 else 'MISSED'}")


if __name__ == "__main__":
    main()
