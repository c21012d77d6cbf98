"""Data files shipped with Outreach, found through importlib.resources."""
