"""Documents rendered from domain objects: letters, agreements, certificates, evidence bundles."""
