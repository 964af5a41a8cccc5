"""Level-1 labels that sources use for their own categories, mapped to ours (the Teddy Cup messages' 一级分类).

Intake maps a labelled file's rows with it, and triage reads a classifier trained on those labels back into our
codes, so it belongs to the directory rather than to either of them.
"""

from __future__ import annotations

#: 一级标签 → our level-1 category. Labels without a counterpart keep category empty (text in source_category).
LABEL_CATEGORIES = {
    "城乡建设": "construction",
    "劳动和社会保障": "labor",
    "教育文体": "education",
    "商贸旅游": "market",
    "卫生计生": "health",
    "环境保护": "environment",
    "交通运输": "transit",
}
