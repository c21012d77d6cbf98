"""The agency hub: receives summaries from devices, lets team leads review them and finds
links across a team. Imports the contract and the links normalisers, never the vault, the
app or the UI. Installed with ``pip install outreach[hub]``; run as ``outreach-hub``."""
