"""Authentication: passwords, tokens, API keys, signed URLs, and who may do what."""
