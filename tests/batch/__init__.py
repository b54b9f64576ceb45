"""Tests of the vectorised batch kernels (``xieshang.batch``) against the Decimal domain."""
