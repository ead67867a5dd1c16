"""The layer registry's vocabulary: a small declarative spec per layer.

A spec says what a layer is (titles, geometry types), which attribute fields it carries (type,
required, allowed values, the names users' files may give them) and how it is drawn. The store's
table, the import validator, the CLI and the map all read the spec; none of them name a layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FIELD_TYPES = {"text": "VARCHAR", "int": "INTEGER", "float": "DOUBLE", "date": "DATE"}
GEOMETRY_FAMILIES = {
    "Point": ("Point", "MultiPoint"),
    "LineString": ("LineString", "MultiLineString"),
    "Polygon": ("Polygon", "MultiPolygon"),
}
# Layer and field names become SQL identifiers, so they must be plain lowercase identifiers.
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# A sample generator named as "package.module:function"; a string, so layers/ never imports data/.
GENERATOR_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$")
# Columns every layer table has besides its own fields.
SYSTEM_COLUMNS = (
    "id",
    "area_km2",
    "length_km",
    "geom",
    "updated_at",
    "version",
    "valid_from",
    "changed_by",
    "valid_to",
)
# Every layer keeps every version of every feature (geo/store/history.py): these follow the fields.
VERSION_COLUMNS = (
    "version INTEGER NOT NULL DEFAULT 1",
    "valid_from TIMESTAMP NOT NULL DEFAULT TIMESTAMP '1970-01-01'",
    "changed_by VARCHAR NOT NULL DEFAULT 'system'",
)


@dataclass(frozen=True)
class Field:
    name: str
    title_zh: str
    title_en: str
    type: str = "text"
    required: bool = False
    choices: tuple[tuple[str, str, str], ...] = ()  # (stored code, zh label, en label)
    aliases: tuple[str, ...] = ()  # other column names accepted on import (Chinese headers, legacy names)
    minimum: float | None = None
    maximum: float | None = None
    in_tooltip: bool = False

    def __post_init__(self) -> None:
        if not IDENTIFIER.match(self.name):
            raise ValueError(f"field name {self.name!r} is not a plain lowercase identifier")
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name}: unknown type {self.type!r}, expected one of {list(FIELD_TYPES)}")

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(code for code, _, _ in self.choices)

    def label(self, value: object, lang: str) -> str:
        """Display label of a stored value (the value itself when it is not a choice)."""
        for code, zh, en in self.choices:
            if value == code:
                return zh if lang == "zh" else en
        return "" if value is None else str(value)

    def normalise_choice(self, value: str) -> str | None:
        """Map a code, Chinese or English label (case-insensitive) to the stored code; None if unknown."""
        key = value.strip().casefold()
        for code, zh, en in self.choices:
            if key in (code.casefold(), zh.casefold(), en.casefold()):
                return code
        return None


def choices(*rows: tuple[str, str, str]) -> tuple[tuple[str, str, str], ...]:
    return tuple(rows)


@dataclass(frozen=True)
class Style:
    color: str = "#3388ff"
    fill_color: str | None = None
    weight: float = 2.0
    fill_opacity: float = 0.25
    dash_array: str | None = None
    radius: float = 6.0  # for points (CircleMarker), in pixels
    category_field: str | None = None  # colour by this field's value, from `category_colors`
    category_colors: tuple[tuple[str, str], ...] = ()

    def color_for(self, value: object) -> str:
        for key, colour in self.category_colors:
            if key == value:
                return colour
        return self.color


@dataclass(frozen=True)
class LayerSpec:
    name: str  # registry key and table name
    title_zh: str
    title_en: str
    geometry: tuple[str, ...]  # geometry families: "Point", "LineString", "Polygon"
    fields: tuple[Field, ...]
    style: Style = field(default_factory=Style)
    id_prefix: str = "F"
    draw_order: int = 50  # lower is drawn first (underneath)
    shown_by_default: bool = True
    description_zh: str = ""
    description_en: str = ""
    editor_role: str = "admin"  # who may import/edit this layer in the portal (admins always may)
    # The illustrative sample: the function that generates this layer ("data.sample.parks:park_layer";
    # empty: the sample leaves the layer empty) and when it runs. Generators share one random stream in
    # `sample_order`, so a new layer takes a number above every existing one: the layers drawn before
    # it stay byte-identical.
    sample: str = ""
    sample_order: int = 100

    def __post_init__(self) -> None:
        if not IDENTIFIER.match(self.name):
            raise ValueError(f"layer name {self.name!r} is not a plain lowercase identifier")
        if self.sample and not GENERATOR_PATH.match(self.sample):
            raise ValueError(f"layer {self.name}: sample generator {self.sample!r} is not 'package.module:function'")
        unknown = [g for g in self.geometry if g not in GEOMETRY_FAMILIES]
        if unknown:
            raise ValueError(f"layer {self.name}: unknown geometry family {unknown}")
        clash = {f.name for f in self.fields} & set(SYSTEM_COLUMNS)
        if clash:
            raise ValueError(f"layer {self.name}: field names {sorted(clash)} are reserved")

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def geometry_types(self) -> tuple[str, ...]:
        """Every OGC geometry type this layer accepts (single and multi parts)."""
        return tuple(t for family in self.geometry for t in GEOMETRY_FAMILIES[family])

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def get_field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"layer {self.name} has no field {name!r}")

    @property
    def tooltip_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.in_tooltip)

    def _columns(self) -> list[str]:
        cols = [f"{f.name} {FIELD_TYPES[f.type]}{' NOT NULL' if f.required else ''}" for f in self.fields]
        cols += ["area_km2 DOUBLE", "length_km DOUBLE", "geom GEOMETRY NOT NULL", "updated_at TIMESTAMP NOT NULL"]
        return [*cols, *VERSION_COLUMNS]

    def ddl(self) -> str:
        """CREATE TABLE for this layer's current features; column names come from the spec, never from user input."""
        return f"CREATE TABLE IF NOT EXISTS {self.name} (id VARCHAR PRIMARY KEY, {', '.join(self._columns())})"

    def history_ddl(self) -> str:
        """CREATE TABLE for the layer's closed versions (`<name>_history`): the same columns plus `valid_to`."""
        cols = ", ".join(["id VARCHAR NOT NULL", *self._columns(), "valid_to TIMESTAMP NOT NULL"])
        return f"CREATE TABLE IF NOT EXISTS {self.name}_history ({cols}, PRIMARY KEY (id, version))"
