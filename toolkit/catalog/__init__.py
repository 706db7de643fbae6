"""Catalogue stage: load, check, import and export catalogues of purchased services."""

from toolkit.catalog.load import load_catalog, read_catalog_document
from toolkit.catalog.model import (
    BUILTIN_CATALOG,
    SCHEMA_FILE,
    Catalog,
    CatalogError,
    CatalogProblem,
    Entry,
    canonical_json,
    load_schema,
    validate_catalog,
)

__all__ = [
    "BUILTIN_CATALOG",
    "SCHEMA_FILE",
    "Catalog",
    "CatalogError",
    "CatalogProblem",
    "Entry",
    "canonical_json",
    "load_catalog",
    "load_schema",
    "read_catalog_document",
    "validate_catalog",
]
