"""Files in and out: one reader per format, validation, datum checks, export writers.

Import runs one way: a reader (`ogr` for GeoJSON/GPKG, `shapefile` for zipped Shapefiles, `kml`,
`csvfile`) returns the features as the file holds them; `validate` (with `datum`'s checks) shapes
them like the layer's table or raises `InputError` listing every problem; `importer` hands them to
the store in one transaction. `export` writes a layer back out in any of those formats, `tables`
turns a page's table into CSV/XLSX bytes.

Modules here may import geo's leaf modules (config, errors, crs, outfile) and geo.store; never
geo.maps, the domain modules, `layers` or streamlit. Layer specs arrive as arguments.
"""

from geo.io.export import EXPORT_FORMATS, EXPORT_SUFFIX, export_layer
from geo.io.importer import import_features, write_features
from geo.io.read import SUPPORTED, read_features, validate_frame

__all__ = [
    "EXPORT_FORMATS",
    "EXPORT_SUFFIX",
    "SUPPORTED",
    "export_layer",
    "import_features",
    "read_features",
    "validate_frame",
    "write_features",
]
