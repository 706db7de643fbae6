"""Alembic environment of the round store; run through ``toolkit.store.db.migrate``.

The connection (already inside the migration's transaction and holding the store's
migration lock) is passed in ``config.attributes["connection"]``; nothing is read from
an ini file, so the scripts work from an installed wheel.
"""

from __future__ import annotations

from alembic import context

from toolkit.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only toolkit.store.db.migrate runs this
    raise RuntimeError("run the round store's migrations through toolkit.store.db.migrate")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
