"""Outreach: encrypted, offline-first recording for outreach workers."""

__version__ = "0.1.0"
