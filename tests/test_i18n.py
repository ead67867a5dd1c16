from __future__ import annotations

import pytest

from geo.i18n import STRINGS, t


def test_every_string_has_chinese_and_english():
    for key, (zh, en) in STRINGS.items():
        assert zh.strip() and en.strip(), key
        assert zh != en or key in {"language"}, key


def test_unknown_key_is_an_error_not_a_blank():
    with pytest.raises(KeyError):
        t("no_such_key")


def test_placeholders_are_filled_in_both_languages():
    assert t("validate_ok", "zh", n=3) == "校验通过：3 个要素可导入。"
    assert t("validate_ok", "en", n=3) == "Valid: 3 features can be imported."
