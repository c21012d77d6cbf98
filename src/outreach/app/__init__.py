"""Qt services between the core and the widgets: sessions, jobs, timers (QtCore only)."""
