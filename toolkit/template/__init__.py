"""Template stage: a catalogue -> budget template workbooks (xlsxwriter).

``layout`` holds the entry sheet's layout and the options, ``sheets`` and ``guide`` write
the sheets, ``writer`` the public entry points.
"""

from toolkit.template.layout import TemplateOptions, catalog_view, template_filename
from toolkit.template.writer import write_template, write_templates

__all__ = [
    "TemplateOptions",
    "catalog_view",
    "template_filename",
    "write_template",
    "write_templates",
]
