"""Benchmark: sentiment and themes on 100,000 distinct customer texts, one process against two.

Data: 100,000 distinct texts built (seeded) from the sentences of both sample companies'
comments and reviews: each text joins as many sentences, drawn at random, as a sample text
holds (1 to 5, in the samples' proportions), and a text that was already drawn is drawn again.
The samples hold only about 8,700 distinct sentences, so distinct texts lean to two and three
sentences: they are longer than the sample texts (the script prints both means). Some are
German or French, some hold e-mail addresses, phone numbers and names.

Kit: ``cxnb.text.analyse_texts`` — language guard, clause split, redaction, VADER at document
and clause level (domain words neutral, complaint rule) and taxonomy themes per clause — with
one process and with two worker processes.
Baseline, in the same run: plain VADER, ``SentimentIntensityAnalyzer().polarity_scores`` on
each text in one process (document level only: no clauses, no redaction, no themes).
Target: the kit with two processes at 1.7 times the baseline's throughput or more.

Every text is scored from scratch: nothing is cached, and no text repeats. The machine may be
shared: the script prints the load average, and the CPU seconds of each run (this process and
its worker processes), whose ratio does not depend on the load. Each measurement is repeated
``ROUNDS`` times, baseline and kit taking turns; the best round of each is compared.

    python benchmarks/text.py            # 100,000 texts
    python benchmarks/text.py --texts 20000   # fewer, for a quick look while working
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import time

import numpy as np
import pandas as pd

from cxnb import load_sample
from cxnb.text import analyse_texts, client_taxonomy, customer_texts

TEXTS, SEED, ROUNDS = 100_000, 20241001, 2
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def corpus(n_texts: int = TEXTS) -> tuple[pd.Series, dict, pd.Series]:
    """``n_texts`` distinct texts built from the samples' sentences, the B2C taxonomy with the B2B
    themes added, and the distinct sample texts the sentences come from."""
    bundles = [load_sample(name) for name in ("b2c", "b2b")]
    pool = pd.Series(pd.concat([customer_texts(b) for b in bundles]).unique())
    split = [[s for s in _SENTENCE_END.split(text.strip()) if s] for text in pool]
    sentences = sorted({s for parts in split for s in parts})
    lengths = np.array([len(parts) for parts in split])
    rng = np.random.default_rng(SEED)
    texts: dict[str, None] = {}
    while len(texts) < n_texts:
        for k in rng.choice(lengths, n_texts - len(texts)):
            texts.setdefault(" ".join(sentences[i] for i in rng.integers(0, len(sentences), k)))
    taxonomy = client_taxonomy(bundles[0].config) | client_taxonomy(bundles[1].config)
    return pd.Series(list(texts), name="text"), taxonomy, pool


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished worker processes."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def _timed(run):
    """(result, wall seconds, CPU seconds) of ``run()``."""
    start, cpu = time.perf_counter(), _cpu()
    result = run()
    return result, time.perf_counter() - start, _cpu() - cpu


def main() -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=TEXTS, help=f"distinct texts (default {TEXTS:,})")
    texts, taxonomy, pool = corpus(parser.parse_args().texts)
    assert texts.is_unique
    print(f"{len(texts):,} distinct texts (mean {texts.str.len().mean():.0f} characters; the {len(pool):,} distinct "
          f"sample texts: {pool.str.len().mean():.0f}), {len(taxonomy)} themes; {os.cpu_count()} cores")
    analyser = SentimentIntensityAnalyzer()
    runs = {"baseline": lambda: [analyser.polarity_scores(t)["compound"] for t in texts],
            "kit, 1 process": lambda: analyse_texts(texts, taxonomy, processes=1),
            "kit, 2 processes": lambda: analyse_texts(texts, taxonomy, processes=2)}
    best: dict[str, tuple[float, float]] = {}
    results = {}
    for round_ in range(1, ROUNDS + 1):
        print(f"round {round_}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
        for name, run in runs.items():
            results[name], wall, cpu = _timed(run)
            best[name] = min(best.get(name, (wall, cpu)), (wall, cpu))
            print(f"  {name:17s} {wall:6.2f} s  {len(texts) / wall:8,.0f} texts/s  {cpu:6.2f} CPU s")
    base_wall, base_cpu = best["baseline"]
    print(f"best of {ROUNDS} rounds (load average now {os.getloadavg()[0]:.2f}):")
    for name in ("kit, 1 process", "kit, 2 processes"):
        wall, cpu = best[name]
        print(f"  {name:17s} {base_wall / wall:4.2f}x the baseline's throughput; "
              f"{cpu / base_cpu:4.2f}x its CPU time ({cpu:.2f} vs {base_cpu:.2f} CPU s)")
    ratio = base_wall / best["kit, 2 processes"][0]
    verdict = "meets" if ratio >= 1.7 else "MISSES"
    print(f"two processes: {best['kit, 1 process'][0] / best['kit, 2 processes'][0]:.2f}x one process; "
          f"{ratio:.2f}x the baseline ({verdict} the 1.7x target)")
    one, two = results["kit, 1 process"], results["kit, 2 processes"]
    for name in ("documents", "clauses", "mentions"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name))
    english = (two.documents["language"] == "en").to_numpy()
    same = np.isclose(two.documents["compound"].to_numpy()[english], np.asarray(results["baseline"])[english])
    print(f"  one and two processes give the same rows; {int((~english).sum()):,} texts not in English left "
          f"unscored; {len(two.clauses):,} clauses, {len(two.mentions):,} theme mentions; document scores equal "
          f"plain VADER's on {same.mean():.1%} of English texts (the rest hold a domain word such as 'support')")


if __name__ == "__main__":
    main()
