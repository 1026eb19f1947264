"""``python -m sonantica_core`` is the ``sonantica`` command."""

from sonantica_core.cli.main import main

raise SystemExit(main())
