"""Every page in English: no Chinese outside the data's own names (place names, park names, documents)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import layers
from geo.store.features import read_layer

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
PAGES = ("views/map.py", "views/parks.py", "views/assessment.py", "views/ledgers.py", "views/data.py")
# Shown in both languages on purpose: the language switch names each language in its own script.
BILINGUAL = ("语言", "中文")


def _texts(node) -> list[str]:
    """Every string a page shows: labels, values, options, table headers and cells."""
    found: list[str] = []
    for attr in ("label", "value", "body", "options", "placeholder", "help"):
        try:
            value = getattr(node, attr)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError):
            continue
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, pd.DataFrame):
            found += [str(c) for c in value.columns]
            found += [str(v) for v in value.to_numpy().ravel() if isinstance(v, str)]
        elif isinstance(value, list | tuple):
            found += [str(v) for v in value if isinstance(v, str)]
    for child in getattr(node, "children", {}).values() if isinstance(getattr(node, "children", None), dict) else []:
        found += _texts(child)
    return found


def _data_names(store) -> list[str]:
    names: set[str] = set()
    for spec in layers.all_specs():
        frame = read_layer(store, spec)
        for field in spec.fields:
            if field.type == "text" and not field.choices:
                names |= {v for v in frame[field.name].dropna().astype(str)}
    names |= set(store.query("SELECT DISTINCT source FROM statistics")["source"])
    return sorted(names, key=len, reverse=True)


@pytest.mark.parametrize("page", PAGES)
def test_no_chinese_outside_the_datas_own_names_in_english(open_page, seeded_store, page):
    at = open_page(page, BINHAI_LANG="en")
    names = _data_names(seeded_store)
    leftovers = []
    for text in _texts(at._tree):
        rest = text
        for name in names:
            if name in rest:
                rest = rest.replace(name, "")
        for word in BILINGUAL:
            rest = rest.replace(word, "")
        if CJK.search(rest):
            leftovers.append(text)
    assert not leftovers, sorted(set(leftovers))
