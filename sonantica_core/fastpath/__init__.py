"""The stream fast path: stream requests answered below the general HTTP server."""
