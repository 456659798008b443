"""Security headers of the control room's responses (page, assets, live stream).

The page may load code, styles, fonts and data from its own origin only; images may also
be ``data:`` URIs (MapLibre's control icons are inline SVG). A configured tile source and
``extra_origins`` are added to ``connect-src``/``img-src`` only.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dosi.web.settings import WebSettings, web_settings


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(settings: WebSettings) -> str:
    remote = [o for o in [*settings.extra_origins, settings.tile_url] if o]
    origins = sorted({found for o in remote if (found := _origin(o))})
    extra = "".join(f" {o}" for o in origins)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "font-src 'self'",
            f"img-src 'self' data:{extra}",
            f"connect-src 'self'{extra}",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def ui_headers(settings: WebSettings) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cache-Control": "no-cache",
    }


#: Module scripts must be served as JavaScript (nosniff); not every system maps .mjs.
_TYPES = {".mjs": "text/javascript; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


class WithHeaders:
    """Wraps an ASGI app (the static files) to send the UI headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        content_type = next((t for s, t in _TYPES.items() if path.endswith(s)), None)
        extra = ui_headers(web_settings(scope["app"]))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(extra)
                if content_type is not None and message.get("status") in (200, 206):
                    headers["Content-Type"] = content_type
            await send(message)

        await self.app(scope, receive, send_with_headers)
