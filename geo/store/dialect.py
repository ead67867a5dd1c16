"""The one place where DuckDB SQL and PostgreSQL + PostGIS SQL differ.

The project's statements are written once, in DuckDB's dialect (the embedded default). For a
PostGIS store each statement is translated here, once per distinct text (cached): sqlglot does the
general grammar (types, QUALIFY, `list_contains`, `strftime`, division, …) and the rules below do
what it cannot know — PostGIS function names and SRIDs, rounding a double, and the bound parameters:
DuckDB's `?`, `$1` and `$name` become psycopg's `%s` / `%(name)s`, and every literal `%` is doubled
so psycopg never takes it for a parameter.

Nothing here sees a value: parameters stay bound, and the cache holds only the project's own SQL
texts (table and column names from the registry, never user text).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp

# PostGIS spells a few of DuckDB spatial's functions differently.
RENAMED_FUNCTIONS = {"ST_ASWKB": "ST_AsBinary", "ST_ASHEXWKB": "ST_AsHEXEWKB"}
_EPSG = re.compile(r"^EPSG:(\d+)$", re.IGNORECASE)
_MARK = "__binhai_param_{}__"
_MARKED = re.compile(r"__binhai_param_(\d+)__")
_TRANSACTION = re.compile(r"^\s*(BEGIN(\s+TRANSACTION)?|COMMIT|ROLLBACK)\s*;?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Translated:
    """A statement for psycopg and how to order its parameters.

    `names` lists, in the order of the translated text, each placeholder's name (`$name`), its 0-based index
    (`$1` → 0) or None (`?`: the next positional value).
    """

    sql: str
    names: tuple[str | int | None, ...]

    def bind(self, params: object) -> list[object] | None:
        """Values in placeholder order from a DuckDB-style list or dict of parameters."""
        if params is None or not self.names:
            return None
        if isinstance(params, dict):
            return [params[name] for name in self.names]  # type: ignore[index]
        values = list(params)  # type: ignore[call-overload]
        out, position = [], 0
        for name in self.names:
            if name is None:
                out.append(values[position])
                position += 1
            else:
                out.append(values[int(name)])
        return out


def _epsg(node: exp.Expression) -> int | None:
    if isinstance(node, exp.Literal) and node.is_string:
        found = _EPSG.match(node.this)
        return int(found.group(1)) if found else None
    return None


def _schema_test(node: exp.Expression) -> bool:
    """`table_schema = 'main'`: DuckDB's default schema, which is the store's own schema on PostgreSQL."""
    return (
        isinstance(node, exp.EQ)
        and isinstance(node.left, exp.Column)
        and node.left.name.lower() == "table_schema"
        and isinstance(node.right, exp.Literal)
        and node.right.this == "main"
    )


def _grouped_by_all(select: exp.Select) -> exp.Select:
    """GROUP BY ALL → GROUP BY the ordinals of the select items that hold no aggregate."""
    ordinals = [
        exp.Literal.number(i + 1)
        for i, item in enumerate(select.expressions)
        if not any(isinstance(n, exp.AggFunc) for n in item.walk())
    ]
    select.set("group", exp.Group(expressions=ordinals) if ordinals else None)  # in place: its children are visited
    return select


def _pick_by(node: exp.ArgMax | exp.ArgMin) -> exp.Expression:
    """arg_max(x, y) → (array_agg(x ORDER BY y DESC NULLS LAST))[1] (arg_min: ascending)."""
    descending = isinstance(node, exp.ArgMax)
    ordered = exp.Ordered(this=node.expression.copy(), desc=descending, nulls_first=False)
    aggregate = exp.ArrayAgg(this=exp.Order(this=node.this.copy(), expressions=[ordered]))
    return exp.Bracket(this=exp.Paren(this=aggregate), expressions=[exp.Literal.number(1)], offset=1)


def _postgis(node: exp.Expression) -> exp.Expression:
    """The rules sqlglot cannot know, one node at a time (see the module docstring and tests/test_store_dialect.py)."""
    if _schema_test(node):
        return exp.EQ(this=node.left, expression=exp.func("current_schema"))
    if (
        isinstance(node, exp.Select)
        and isinstance(node.args.get("group"), exp.Group)
        and node.args["group"].args.get("all")
    ):
        return _grouped_by_all(node)
    if isinstance(node, exp.Subquery) and not node.alias and isinstance(node.parent, exp.From | exp.Join):
        # PostgreSQL 15 wants a name; set in place so the subquery's own statement is translated too.
        node.set("alias", exp.TableAlias(this=exp.to_identifier(f"_sub_{zlib.crc32(node.sql().encode())}")))
        return node
    if isinstance(node, exp.ArgMax | exp.ArgMin):
        return _pick_by(node)
    if isinstance(node, exp.Contains):  # DuckDB's contains(text, part)
        return exp.GT(this=exp.func("strpos", node.this, node.expression), expression=exp.Literal.number(0))
    if isinstance(node, exp.Is) and isinstance(node.this, exp.Placeholder):
        # `$x IS NULL` alone tells PostgreSQL nothing of $x's type: say it (each use is its own parameter).
        return exp.Is(this=exp.Cast(this=node.this, to=exp.DataType.build("TEXT")), expression=node.expression)
    if isinstance(node, exp.Anonymous):
        name = str(node.this).upper()
        args = node.expressions
        if name == "ST_TRANSFORM" and len(args) >= 3:
            source, target = _epsg(args[1]), _epsg(args[2])
            if source is not None and target is not None:
                # PostGIS keeps geometry in x = longitude order whatever the CRS: always_xy is implied.
                inner = exp.func("ST_SetSRID", args[0], exp.Literal.number(source))
                return exp.func("ST_Transform", inner, exp.Literal.number(target))
        if name in RENAMED_FUNCTIONS:
            return exp.Anonymous(this=RENAMED_FUNCTIONS[name], expressions=args)
    if isinstance(node, exp.Round) and node.args.get("decimals") is not None:
        # PostgreSQL rounds to n places only a numeric (round(double precision, int) does not exist).
        value = node.this
        if not (isinstance(value, exp.Cast) and value.to.is_type("decimal")):
            node = node.copy()
            node.set("this", exp.Cast(this=value, to=exp.DataType.build("NUMERIC")))
        return node
    return node


@lru_cache(maxsize=8192)
def to_postgres(sql: str) -> Translated:
    """Translate one DuckDB statement for PostgreSQL + PostGIS (cached per text)."""
    if _TRANSACTION.match(sql):
        return Translated(sql.strip().rstrip(";"), ())  # PostgreSQL reads BEGIN [TRANSACTION] alike
    tree = sqlglot.parse_one(sql, read="duckdb")
    names: list[str | int | None] = []

    def mark(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder):
            label = node.name
            if not label or label == "?":
                names.append(None)
            elif label.isdigit():
                names.append(int(label) - 1)
            else:
                names.append(label)
            return exp.Var(this=_MARK.format(len(names) - 1))
        return node

    tree = tree.transform(_postgis).transform(mark)
    text = tree.sql(dialect="postgres").replace("%", "%%")
    # The generator may reorder (x = ANY(list)) or repeat an expression: bind in the output's order.
    ordered = tuple(names[int(i)] for i in _MARKED.findall(text))
    return Translated(_MARKED.sub("%s", text), ordered)
