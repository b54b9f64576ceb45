"""Security primitives: encryption at rest, password hashes, TOTP, tokens, masking, uploads."""
