"""Database access: the schema (SQLAlchemy models) and the async engine."""
