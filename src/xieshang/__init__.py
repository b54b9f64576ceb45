"""Xieshang (协商): negotiated repayment of consumer and online loans."""

__version__ = "0.1.0"
