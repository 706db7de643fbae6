"""Catalogue stage: load, check, import and export catalogues of purchased services."""

from toolkit.catalog.model import (
    BUILTIN_CATALOG,
    SCHEMA_FILE,
    Catalog,
    CatalogError,
    CatalogProblem,
    Entry,
    canonical_json,
    load_catalog,
    load_schema,
    read_catalog_document,
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
