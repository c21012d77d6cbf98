"""The wire contract between the app and an agency's hub (no Qt, no vault, no server).

``summary`` holds the versioned summary a device submits and everything the hub answers
with; ``wipe`` signs and verifies the instruction a revoked device receives. The JSON Schema
in ``resources/contract/`` is generated from these models and a test keeps the two equal.
"""

from outreach.contract.summary import SCHEMA_VERSION, Submission, Summary

__all__ = ["SCHEMA_VERSION", "Submission", "Summary"]
