"""Sync: the summary a worker approves, the outbox in the vault, the hub client, the engine.

No Qt: the app runs the engine on a worker thread and shows what it reports.
"""
