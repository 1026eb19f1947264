"""A plugin that owns a table, for the migration tests."""

from sonantica_core.plugins import Plugin


class NotesPlugin(Plugin):
    name = "notes"
    version = "2.0.0"
    migrations = "sonantica_test_notes.migrations"


class MissingMigrations(Plugin):
    name = "nomigrations"
    migrations = "sonantica_test_notes.no_such_package"
