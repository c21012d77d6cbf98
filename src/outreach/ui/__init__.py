"""Qt widgets. They talk to app/ services and never to the database."""
