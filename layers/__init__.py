"""The layer registry: every module in this package that defines `SPEC` is a layer.

Adding a layer is adding one file here with a `SPEC = LayerSpec(...)`.
"""

from __future__ import annotations

import importlib
import pkgutil

from geo.errors import PortalError
from layers.base import Field, LayerSpec, Style

__all__ = ["Field", "LayerSpec", "Style", "REGISTRY", "UnknownLayerError", "get_spec", "all_specs"]

_NOT_LAYERS = {"base", "__main__", "commands"}


def _discover() -> dict[str, LayerSpec]:
    found: dict[str, LayerSpec] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name in _NOT_LAYERS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        spec = getattr(module, "SPEC", None)
        if isinstance(spec, LayerSpec):
            if spec.name in found:
                raise ValueError(f"two layers named {spec.name!r}")
            found[spec.name] = spec
    return dict(sorted(found.items(), key=lambda kv: (kv[1].draw_order, kv[0])))


REGISTRY: dict[str, LayerSpec] = _discover()


def all_specs() -> list[LayerSpec]:
    return list(REGISTRY.values())


class UnknownLayerError(PortalError, KeyError):
    """A layer name that is not in the registry (a user's word: the CLI exits 2 with this message)."""

    def __str__(self) -> str:
        return PortalError.__str__(self)


def get_spec(name: str) -> LayerSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(REGISTRY)
        raise UnknownLayerError(
            f"未知图层 {name!r}，可选: {known}", f"unknown layer {name!r}; choose one of: {known}"
        ) from None
