"""The ASGI application: NGSI-LD API under /ngsi-ld/v1, owned services and their lifespan."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, suppress

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from dosi import __version__, ingest, web
from dosi.api import batch, contexts, discovery, entities, openapi, subscriptions, temporal
from dosi.api.problems import http_error_handler, internal_error_handler, ngsi_error_handler
from dosi.api.security import SecurityHeaders
from dosi.api.services import Services
from dosi.apps.http import PREFIX as APPS_PREFIX
from dosi.apps.http import AppRoutes
from dosi.apps.loader import load_apps
from dosi.auth import routes as auth_routes
from dosi.auth.jwks import JwksError, RemoteKeys
from dosi.auth.middleware import AuthMiddleware
from dosi.auth.routes import AuthState
from dosi.auth.tokens import TokenIssuer, TokenPolicy, TokenVerifier
from dosi.auth.users import UserStore
from dosi.core.audit import audit_hook, read_records
from dosi.core.changes import ChangeFeed
from dosi.core.contexts import ContextService
from dosi.core.entities import EntityService
from dosi.core.jsonld import ContextResolver
from dosi.core.subscriptions.service import SubscriptionService
from dosi.core.temporal.service import TemporalService
from dosi.errors import BadRequestData, DosiError, NgsiLdError
from dosi.ops import incidents as ops_incidents
from dosi.ops import rules
from dosi.ops import services as ops_services
from dosi.ops.signals import SIGNALS
from dosi.settings import Settings
from dosi.store import Store, create_store

logger = logging.getLogger(__name__)

API_PREFIX = "/ngsi-ld/v1"


class TrailingSlash:
    """Serve ``/ngsi-ld/v1/entities/`` as ``/ngsi-ld/v1/entities`` (clients differ)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = dict(scope)
            scope["path"] = path.rstrip("/") or "/"
        await self.app(scope, receive, send)


def _auth(settings: Settings) -> tuple[TokenIssuer, TokenVerifier]:
    """dosi's own issuer (built-in users), plus an external issuer's JWKS if configured."""
    policy = TokenPolicy(
        issuer=settings.auth_issuer or "urn:dosi",
        audience=settings.auth_audience,
        clock_skew=settings.auth_clock_skew,
    )
    issuer = TokenIssuer(
        policy, settings.data_dir / "auth" / "signing-key.pem", ttl=settings.auth_token_ttl
    )
    keys = list(issuer.jwks["keys"])
    if settings.auth_jwks_file is not None:
        keys += orjson.loads(settings.auth_jwks_file.read_bytes()).get("keys", [])
    return issuer, TokenVerifier(policy, {"keys": keys})


def _remote_keys(settings: Settings, verifier: TokenVerifier) -> RemoteKeys | None:
    """An OIDC issuer's published keys, when one is configured (JWKS URL or discovery)."""
    if settings.auth_jwks_url:
        return RemoteKeys(
            verifier, jwks_url=settings.auth_jwks_url, refresh=settings.auth_jwks_refresh
        )
    issuer = settings.auth_issuer or ""
    if issuer.startswith(("https://", "http://")) and settings.auth_jwks_file is None:
        return RemoteKeys(verifier, issuer=issuer, refresh=settings.auth_jwks_refresh)
    return None


async def _purge_forever(services: Services) -> None:
    """Apply temporal retention now and then (only when some retention is configured)."""
    settings = services.settings
    if not (
        settings.temporal_retention
        or settings.temporal_retention_by_tenant
        or settings.temporal_retention_by_type
    ):
        return
    while True:
        try:
            removed = await services.temporal.purge(settings)
            logger.info("temporal retention removed %d history rows", removed)
        except DosiError:
            logger.exception("temporal retention failed")
        await asyncio.sleep(settings.temporal_purge_every)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task


async def audit_log(request: Request) -> Response:
    """GET /audit: the newest entity-write records of the request's tenant."""
    store: Store = request.app.state.services.store
    tenant = request.headers.get("NGSILD-Tenant", "").strip()
    try:
        limit = min(int(request.query_params.get("limit", "100")), 1000)
    except ValueError:
        raise BadRequestData("limit must be an integer") from None
    after = request.query_params.get("after")
    return JSONResponse(await read_records(store, tenant, after=after, limit=limit))


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "version": __version__})


OnReady = Callable[[Services], Awaitable[object]]


def create_app(
    settings: Settings, *, store: Store | None = None, on_ready: Sequence[OnReady] = ()
) -> Starlette:
    """Build the app. The store (created from settings unless given) opens in the
    lifespan; ``on_ready`` callbacks run once the services exist (e.g. the demo loader)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            backend = store
            if backend is None:  # ours to open and close; a given store is the caller's
                backend = create_store(settings.store_url())
                await backend.open()
                stack.push_async_callback(backend.close)
            resolver = ContextResolver(settings, backend)
            feed = ChangeFeed()
            public = settings.public_url or f"http://{settings.host}:{settings.port}"
            entity_service = EntityService(backend, feed)
            entity_service.add_outbox_hook(audit_hook)
            subscription_service = SubscriptionService(entity_service, resolver)
            await subscription_service.start()
            stack.push_async_callback(subscription_service.stop)
            app.state.services = Services(
                settings=settings,
                store=backend,
                resolver=resolver,
                entities=entity_service,
                temporal=TemporalService(entity_service),
                subscriptions=subscription_service,
                contexts=ContextService(
                    backend, resolver, f"{public.rstrip('/')}{API_PREFIX}/jsonldContexts/"
                ),
                feed=feed,
            )
            purge = asyncio.create_task(
                _purge_forever(app.state.services), name="temporal:retention"
            )
            stack.push_async_callback(_cancel, purge)
            if remote_keys is not None:
                # the issuer's keys: first load now (a failure is retried, not fatal)
                try:
                    await remote_keys.refresh()
                except JwksError as exc:
                    logger.warning("auth: the issuer's keys are unavailable: %s", exc)
                keys = asyncio.create_task(remote_keys.run(), name="auth:jwks")
                stack.push_async_callback(_cancel, keys)
            # services the platform offers to city apps (Platform.use)
            app.state.registry = {}
            # the device agent (dosi.ingest): stops first, draining into the open store
            app.state.ingest = ingest.IngestAgent(settings, backend, resolver, entity_service)
            await app.state.ingest.start()
            stack.push_async_callback(app.state.ingest.stop)
            # the operations centre (dosi.ops): incidents, linked services, public alerts
            app.state.incidents = ops_incidents.IncidentService(
                entity_service, resolver, settings.ops, shutdown_timeout=settings.shutdown_timeout
            )
            await app.state.incidents.start()
            stack.push_async_callback(app.state.incidents.stop)
            app.state.registry[SIGNALS] = app.state.incidents
            # rules (dosi.ops.rules): evaluated on the change feed, signals to the incidents
            sink = app.state.registry.get(SIGNALS)
            app.state.rules = await rules.start_rules(app.state.services, sink, stack)
            if settings.apps:
                apps = await load_apps(
                    settings.apps,
                    entity_service,
                    feed,
                    resolver,
                    settings.app_settings,
                    registry=app.state.registry,
                )
                app.state.apps = apps
                stack.push_async_callback(apps.unload)
            if issuer is not None:
                app.state.auth = AuthState(UserStore(backend), issuer)
            for callback in on_ready:
                await callback(app.state.services)
            logger.info("dosi %s ready (store %s)", __version__, type(backend).__name__)
            # What startup built lives as long as the app: frozen, it is left out of the
            # collector's passes, which the write path's allocations trigger often
            # (the device agent stores thousands of measures per second).
            gc.freeze()
            stack.callback(gc.unfreeze)
            yield
            logger.info("dosi shutting down")

    middleware = [Middleware(SecurityHeaders), Middleware(TrailingSlash)]
    if settings.cors_origins:
        middleware.insert(
            0,
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
                allow_headers=["Authorization", "Content-Type", "Link", "NGSILD-Tenant", "Accept"],
                expose_headers=["Location", "Link", "NGSILD-Results-Count", "NGSILD-Tenant"],
            ),
        )
    issuer = None
    remote_keys: RemoteKeys | None = None
    if settings.auth_enabled:
        issuer, verifier = _auth(settings)
        remote_keys = _remote_keys(settings, verifier)
        middleware.append(Middleware(AuthMiddleware, verifier=verifier))
    elif settings.host not in ("127.0.0.1", "localhost", "::1"):
        logger.warning(
            "authentication is off and dosi listens on %s: anyone who can reach it may "
            "read and change all data (set DOSI_AUTH_ENABLED=true)",
            settings.host,
        )

    api_routes = [
        *entities.routes,
        *batch.routes,
        *temporal.routes,
        *subscriptions.routes,
        *discovery.routes,
        *contexts.routes,
    ]
    return Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/audit", audit_log, methods=["GET"]),
            *openapi.routes,
            *(auth_routes.routes if issuer is not None else []),
            Mount(API_PREFIX, routes=api_routes),
            Mount(ingest.PREFIX, routes=ingest.routes),
            Mount(APPS_PREFIX, app=AppRoutes()),
            Route("/ops/incidents", ops_incidents.collection, methods=["GET", "POST"]),
            Mount("/ops/incidents", routes=ops_incidents.routes),
            *rules.routes,
            Mount("/ops/cap", routes=ops_incidents.cap_routes),
            Route("/ops/services", ops_services.overview, methods=["GET"]),
            Mount("/ops/services", routes=ops_services.routes),
            *web.routes,
        ],
        exception_handlers={
            NgsiLdError: ngsi_error_handler,
            HTTPException: http_error_handler,
            Exception: internal_error_handler,
        },
        lifespan=lifespan,
        middleware=middleware,
    )
