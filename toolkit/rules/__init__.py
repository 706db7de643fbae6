"""Rules stage: what was read + the catalogue -> issues and accepted line items.

The rule modules are imported here in the order their rules are listed everywhere:
the file and its identity, the cells, the paper total, what lies outside the table,
and the rules across files of a batch (``toolkit.rules.registry`` holds the list).
"""

from toolkit.rules import (
    batch,  # noqa: F401
    cells,  # noqa: F401
    file,  # noqa: F401  (file rules come first)
    outside,  # noqa: F401
    total,  # noqa: F401
)
