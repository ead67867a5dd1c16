"""The legend control and its rows: one `legend_row` shape for layer symbols, categories and classes."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
from branca.element import MacroElement
from jinja2 import Template

from geo.i18n import t


class Legend(MacroElement):
    """A fixed legend control listing each layer's symbol (and categories), escaped text only."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div class="binhai-legend" style="position:absolute; bottom:24px; right:10px; z-index:1000;
             background:rgba(255,255,255,.92); padding:8px 10px; border-radius:4px; font:12px/1.5 sans-serif;
             box-shadow:0 1px 4px rgba(0,0,0,.3); max-height:45%; overflow:auto;">
          <details open><summary style="font-weight:600; cursor:pointer; margin-bottom:4px;">{{ this.title }}</summary>
          {% for row in this.rows %}
          <div style="{{ 'margin-left:14px;' if row.indent else 'margin-top:3px;' }}">
            <span style="display:inline-block; width:14px; height:{{ row.h }}px; vertical-align:middle;
              background:{{ row.fill }}; border:{{ row.border }}; border-radius:{{ row.radius }};"></span>
            {{ row.label }}
          </div>
          {% endfor %}
          </details>
          <div style="margin-top:6px; color:#a50f15;">{{ this.note }}</div>
        </div>
        {% endmacro %}
        """
    )

    def __init__(self, title: str, rows: list[dict[str, Any]], note: str):
        super().__init__()
        self._name = "BinhaiLegend"
        self.title = html.escape(title)
        self.rows = rows
        self.note = html.escape(note)


NO_DATA_SWATCH = "repeating-linear-gradient(45deg,#9e9e9e 0 2px,#eeeeee 2px 5px)"


def legend_row(
    label: str,
    fill: str,
    *,
    border: str = "1px solid #888",
    height: int = 14,
    radius: str = "2px",
    indent: bool = False,
) -> dict[str, Any]:
    """One legend row: a swatch (`fill`, `border`, `height` px, corner `radius`) and its label, escaped here."""
    return {
        "h": height,
        "radius": radius,
        "fill": fill,
        "border": border,
        "indent": indent,
        "label": html.escape(label),
    }


def legend_rows(specs: Sequence[Any], lang: str) -> list[dict[str, Any]]:
    """Legend rows for layers: each layer's symbol, then its categories indented."""
    rows = []
    for spec in specs:
        s = spec.style
        point = "Point" in spec.geometry
        line_only = spec.geometry == ("LineString",)
        shape = {"height": 3 if line_only else 14, "radius": "50%" if point else "2px"}
        fill = s.fill_color or s.color
        rows.append(
            legend_row(
                spec.title(lang),
                fill if s.fill_opacity > 0 or point else "transparent",
                border=f"2px {'dashed' if s.dash_array else 'solid'} {s.color}",
                **shape,
            )
        )
        if s.category_field:
            field = spec.get_field(s.category_field)
            for code, colour in s.category_colors:
                rows.append(
                    legend_row(field.label(code, lang), colour, border=f"1px solid {colour}", indent=True, **shape)
                )
    return rows


def format_number(value: float) -> str:
    """A number for display: thousands grouped, fewer decimals the larger it is; '—' for none."""
    if value is None or not np.isfinite(value):
        return "—"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:,.1f}"
    if magnitude >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def class_legend_rows(bounds: Sequence[float], colors: Sequence[str], minimum: float, unit: str, lang: str):
    """Legend rows 'low – high unit' for each class plus the no-data swatch."""
    rows = []
    low = minimum
    for upper, colour in zip(bounds, colors, strict=False):
        rows.append(legend_row(f"{format_number(low)} – {format_number(upper)} {unit}", colour))
        low = upper
    rows.append(legend_row(t("no_data", lang), NO_DATA_SWATCH))
    return rows
