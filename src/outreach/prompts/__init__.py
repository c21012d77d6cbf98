"""Prompts that help and never nag: keep asking, instinct, language, indicators, nudges.

Plain Python driven by data files in ``resources/prompts/``, so that wording can be
reviewed and translated without touching code.
"""
