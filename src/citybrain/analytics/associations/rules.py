"""Association rules (关联规则) from tested itemsets: support, confidence, lift, and the itemset's p/q-values.

Every split of a significant itemset ``S`` into ``antecedent → consequent`` is a rule. The rule's support is the
share of baskets holding all of ``S``, its confidence the share of the antecedent's baskets that also hold the
consequent, and its lift the confidence over the consequent's own share. p and q are those of ``S`` (see
``significance``): a rule is as trustworthy as the weakest member of its itemset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from citybrain.analytics.associations.itemsets import FrequentItemsets
from citybrain.analytics.associations.significance import ItemsetTest


@dataclass(frozen=True)
class AssociationRule:
    itemset: tuple[int, ...]
    antecedent: tuple[int, ...]
    consequent: tuple[int, ...]
    count: int  # baskets holding the whole itemset
    expected: float  # under the null (see significance)
    support: float
    confidence: float
    lift: float
    p_value: float
    q_value: float
    p_perm: float | None


def rules_from(tests: Sequence[ItemsetTest], frequent: FrequentItemsets, *, max_q: float) -> list[AssociationRule]:
    """All rules of the itemsets with q ≤ ``max_q``, strongest evidence first (q, p, bigger itemset, lift)."""
    rules = [rule for test in tests if test.q_value <= max_q for rule in _split(test, frequent)]
    rules.sort(key=lambda r: (r.q_value, r.p_value, -len(r.itemset), -r.lift, -r.confidence, r.itemset, r.antecedent))
    return rules


def _split(test: ItemsetTest, frequent: FrequentItemsets) -> list[AssociationRule]:
    itemset = test.itemset
    support = frequent.support(itemset)
    out = []
    for size in range(1, len(itemset)):
        for antecedent in combinations(itemset, size):
            consequent = tuple(i for i in itemset if i not in antecedent)
            confidence = frequent.counts[itemset] / frequent.counts[antecedent]
            lift = confidence / frequent.support(consequent)
            out.append(
                AssociationRule(
                    itemset=itemset,
                    antecedent=antecedent,
                    consequent=consequent,
                    count=test.observed,
                    expected=test.expected,
                    support=support,
                    confidence=confidence,
                    lift=lift,
                    p_value=test.p_value,
                    q_value=test.q_value,
                    p_perm=test.p_perm,
                )
            )
    return out
