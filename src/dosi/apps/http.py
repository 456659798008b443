"""HTTP for city apps: ``/apps/{domain}/...`` reaches the routes an app exposed.

Apps are set up in the lifespan, after the route table is built, so this ASGI app looks
the running apps up per request instead of being a fixed ``Mount``.
"""

from __future__ import annotations

from starlette.routing import Mount, Router
from starlette.types import Receive, Scope, Send

from dosi.apps.loader import LoadedApps
from dosi.errors import ResourceNotFound

PREFIX = "/apps"


class AppRoutes:
    """ASGI app mounted at ``/apps``; unknown apps get a ResourceNotFound ProblemDetails."""

    def __init__(self) -> None:
        self._key: tuple[int, ...] = ()
        self._router = Router()

    def _current(self, apps: LoadedApps | None) -> Router:
        running = apps.running if apps is not None else {}
        key = tuple(id(p) for p in running.values() if p.routes)
        if key != self._key:
            self._router = Router(
                routes=[
                    Mount(f"/{domain}", routes=platform.routes)
                    for domain, platform in running.items()
                    if platform.routes
                ]
            )
            self._key = key
        return self._router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        router = self._current(getattr(scope["app"].state, "apps", None))
        for route in router.routes:
            match, _ = route.matches(scope)
            if match.name != "NONE":
                await router(scope, receive, send)
                return
        raise ResourceNotFound(f"no app route {scope['path']}")
