"""Embedded PostgreSQL and Redis for the single-box deployment."""
