"""Ranking metrics with binary relevance (as in the RecSys Challenge 2018): a ranked list of ids against a gold set."""

from __future__ import annotations

import math


def r_precision(ranked: list[str], gold: set[str]) -> float:
    """The share of the gold found in the first len(gold) places."""
    if not gold:
        return 0.0
    return len(set(ranked[: len(gold)]) & gold) / len(gold)


def recall_at(ranked: list[str], gold: set[str], k: int = 100) -> float:
    """The share of the gold found in the first k places."""
    if not gold:
        return 0.0
    return len(set(ranked[:k]) & gold) / len(gold)


def ndcg_at(ranked: list[str], gold: set[str], k: int = 100) -> float:
    """Discounted cumulative gain of the first k places over that of a perfect ranking."""
    if not gold:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 2) for i, t in enumerate(ranked[:k]) if t in gold)
    idcg = sum(1.0 / math.log2(i + 2) for i in range(min(len(gold), k)))
    return dcg / idcg
