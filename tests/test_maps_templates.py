"""folium's templates compiled once (geo/maps/templates.py): the rendered maps are the same as before."""

from __future__ import annotations

import pickle

import jinja2
import pytest
import streamlit_folium
from branca.element import Element
from folium.template import Template as FoliumTemplate

from geo.maps import render_html
from geo.maps import templates as compiled


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a",
        "\n",
        "a\n",
        "a\n\n",
        "a\r\nb\rc\r\n",
        "  var x = {a: 1};\n  }\n",
        "营业中 <b>&amp;</b>\n",
        "{ {",
        "}}",
        "%}",
    ],
)
def test_text_without_jinja_syntax_renders_as_jinja_would_render_it(text):
    assert compiled._template_for(jinja2.Template, text).render(this=None, kwargs={}) == jinja2.Template(text).render()
    assert compiled._template_for(FoliumTemplate, text).render() == FoliumTemplate(text).render()


def test_a_template_with_syntax_is_compiled_once_per_class_and_text():
    source = "<b>{{ this }}</b>{# note #}"
    first = compiled._template_for(FoliumTemplate, source)
    assert compiled._template_for(FoliumTemplate, source) is first and isinstance(first, FoliumTemplate)
    assert compiled._template_for(jinja2.Template, source) is not first
    assert first.render(this="x") == "<b>x</b>"
    long = "{{ this }}" + " " * compiled._CACHED_SOURCE_CHARS
    assert compiled._template_for(jinja2.Template, long) is not compiled._template_for(jinja2.Template, long)


def test_folium_classes_stay_classes_and_elements_keep_rendering():
    import folium.template

    assert folium.template.Template is FoliumTemplate and isinstance(FoliumTemplate, type)
    assert Element("<i>plain</i>\n").render() == "<i>plain</i>"
    assert Element("{{ this._name }}").render() == "Element"


def _rendered(fmap) -> tuple[str, str]:
    """What st_folium sends: the figure's header and the map's script."""
    return render_html(fmap), streamlit_folium.generate_leaflet_string(fmap)


def test_every_page_map_renders_the_same_with_templates_compiled_once(page_maps):
    assert len(page_maps) >= 11
    for made in page_maps:
        fast = _rendered(pickle.loads(made))
        compiled.restore_templates()
        try:
            slow = _rendered(pickle.loads(made))
        finally:
            assert compiled.compile_templates_once()
        assert fast == slow
