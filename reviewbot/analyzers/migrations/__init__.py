"""The migrations analyzer: PostgreSQL-unsafe SQL, Alembic and Django migrations (RB4xx, RB108)."""
