"""An unexpected failure is answered 500 and logged by its type only.

Starlette's own last-resort handler answers, then re-raises to the server, which logs the
traceback with the exception's message; a database error's message can quote the values
of a summary. This middleware sits outside everything else the hub adds, so nothing of a
failure reaches the log but its type.
"""

from __future__ import annotations

import json
import logging

from outreach.hub.limits import App, Message, Receive, Scope, Send, send_json

log = logging.getLogger(__name__)

_BODY = json.dumps(
    {"code": "internal", "detail": "the hub failed on this request; it has been logged"}
).encode()


class Contained:
    def __init__(self, app: App) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, receive, watched)
        except Exception as error:
            log.error("request failed: %s", type(error).__name__)  # never the message
            if started:
                return  # the answer is under way: the server closes the connection
            await send_json(send, 500, _BODY)
