"""HTTP: the Starlette routes and middleware of the core."""
