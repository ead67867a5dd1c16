"""Errors that carry the user's words in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass


class PortalError(Exception):
    """An error meant for a person: a Chinese and an English sentence."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, feature, field) and what, in both languages."""

    zh: str
    en: str
    feature: int | None = None  # 1-based feature/row number in the input
    field: str | None = None

    def where(self, lang: str = "zh") -> str:
        parts = []
        if self.feature is not None:
            parts.append(f"第 {self.feature} 个要素" if lang == "zh" else f"feature {self.feature}")
        if self.field:
            parts.append(f"字段 {self.field}" if lang == "zh" else f"field {self.field}")
        return ", ".join(parts)

    def text(self, lang: str = "zh") -> str:
        where = self.where(lang)
        body = self.zh if lang == "zh" else self.en
        return f"{where}: {body}" if where else body


class InputError(PortalError):
    """An input file (or form) was rejected; `problems` lists each finding."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        head = problems[0] if problems else Problem("未知错误", "unknown error")
        more_zh = f"(另有 {len(problems) - 1} 处问题)" if len(problems) > 1 else ""
        more_en = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(
            f"{source}: {head.text('zh')}{more_zh}",
            f"{source}: {head.text('en')}{more_en}",
        )

    def report(self, lang: str = "zh", limit: int = 20) -> str:
        lines = [f"{self.source}:"]
        lines += [f"  - {p.text(lang)}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            rest = len(self.problems) - limit
            lines.append(f"  … 另有 {rest} 处" if lang == "zh" else f"  … {rest} more")
        return "\n".join(lines)


class StoreBusyError(PortalError):
    """Another process holds the database file's write lock."""
