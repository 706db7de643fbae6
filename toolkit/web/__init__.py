"""报送平台: the web portal of a reporting round (Starlette, Jinja2, uvicorn).

    from toolkit.web import create_app
    app = create_app("报送数据")          # an ASGI app; `budget-toolkit serve` runs it

Clerks open their unit's private link ``/u/{token}/``; finance signs in at ``/admin/``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def create_app(*args: Any, **kwargs: Any) -> Any:
    from toolkit.web.app import create_app as make

    return make(*args, **kwargs)
