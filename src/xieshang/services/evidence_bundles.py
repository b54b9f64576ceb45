"""Evidence bundles for the faces: the documents layer's bundle with the instance's signature
scheme plugged in (a face may not import ``documents`` itself, nor should it choose the
cryptography)."""

from __future__ import annotations

from xieshang.documents.bundle import BundleFailure, BundleReport, verify_bundle
from xieshang.security.signing import public_verifier

__all__ = ["BundleFailure", "BundleReport", "verify_evidence_bundle"]


def verify_evidence_bundle(data: bytes, *, public_key_pem: str | None = None) -> BundleReport:
    """Check a bundle offline against ``public_key_pem`` (an Ed25519 public key in PEM), else
    against the bundle's own key (integrity, not origin).  An invalid given key raises
    ``signing.public_key_invalid``; everything wrong with the bundle is in the report."""
    return verify_bundle(data, verifier_for=public_verifier, public_key_pem=public_key_pem)
