"""folium's Jinja templates compiled once, not on every render of every map.

Rendering a folium map compiles Jinja code again and again: branca turns each element's rendered
header/html/script text into a new `Template` (`Element(text)`), and folium's tooltips and popups
build their style template from a literal inside `render`. A py-spy profile of 一张图's script put
52 % of its time (≈ 0.1 s of every run, st_folium renders twice) in that compiling.

`compile_templates_once` swaps the `Template` name those modules call at render time for
`_template_for`: text with no Jinja syntax renders to itself (what the compiled template would give:
newlines normalised, one trailing newline dropped), and a template with Jinja syntax is compiled
once per source text and class (a bounded cache; jinja2 templates are safe to share between
threads). Classes' own templates, made when folium is imported, are not touched. Rendered output
is unchanged: tests/test_maps_templates.py renders every kind of map both ways and compares.
"""

from __future__ import annotations

import functools
import sys
from types import SimpleNamespace
from typing import Any

import jinja2

_SYNTAX = ("{{", "{%", "{#")
_CACHED_SOURCE_CHARS = 8_000  # literals are short; rendered text with syntax in it is rarely seen twice
_ORIGINAL = "_binhai_original_template"


class _Verbatim:
    """What `jinja2.Template(text)` is for a text without Jinja syntax, without compiling it."""

    __slots__ = ("_text",)
    module = SimpleNamespace()  # no macros: MacroElement and streamlit-folium look them up here

    def __init__(self, source: str) -> None:
        text = source.replace("\r\n", "\n").replace("\r", "\n")
        self._text = text[:-1] if text.endswith("\n") else text  # jinja2's keep_trailing_newline=False

    def render(self, *args: Any, **kwargs: Any) -> str:
        return self._text


@functools.lru_cache(maxsize=256)
def _compiled(template_class: type, source: str) -> jinja2.Template:
    return template_class(source)


def _template_for(template_class: type, source: Any = None, *args: Any, **kwargs: Any) -> Any:
    if args or kwargs or not isinstance(source, str):
        return template_class(source, *args, **kwargs)
    if not any(mark in source for mark in _SYNTAX):
        return _Verbatim(source)
    if len(source) <= _CACHED_SOURCE_CHARS:
        return _compiled(template_class, source)
    return template_class(source)


def compile_templates_once() -> list[str]:
    """Route the loaded folium/branca modules' `Template` through `_template_for`; the modules changed.

    Idempotent; a module imported later keeps jinja2's own (slower, same output).
    """
    changed = []
    for name, module in list(sys.modules.items()):
        if not name.startswith(("folium", "branca")) or module is None:
            continue
        template = getattr(module, "Template", None)
        # Not in the class's own module: `from folium.template import Template` must stay a class.
        if isinstance(template, type) and issubclass(template, jinja2.Template) and template.__module__ != name:
            wrapper = functools.partial(_template_for, template)
            setattr(wrapper, _ORIGINAL, template)
            module.Template = wrapper
            changed.append(name)
    return sorted(changed)


def restore_templates() -> None:
    """Undo `compile_templates_once` (the tests render both ways)."""
    for name, module in list(sys.modules.items()):
        original = getattr(getattr(module, "Template", None), _ORIGINAL, None) if module is not None else None
        if name.startswith(("folium", "branca")) and original is not None:
            module.Template = original
