"""The one typed configuration object, read from DOSI_* variables and CLI flags."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORT = 1026


class LinkedServiceSettings(BaseModel):
    """One outbound linked-service adapter (``docs/linked-services.md``)."""

    #: Adapter kind (``dosi.ops.services.adapters.KINDS``), e.g. ``dispatch119``.
    kind: str
    url: str
    #: Shared secret of the HMAC-SHA256 signature (never shown in logs or the API).
    secret: SecretStr
    #: Incident categories this service receives.
    categories: list[str] = Field(default_factory=list)
    #: When it receives them without an operator's dispatch: ``created``, ``escalation``.
    auto: list[str] = Field(default_factory=lambda: ["escalation"])
    #: Kind-specific options (e.g. ``officer`` for 112 dispatch support).
    options: dict[str, Any] = Field(default_factory=dict)


class OpsSettings(BaseModel):
    """The operations centre: incident correlation, escalation, linked services, CAP."""

    #: Signals with the same key within this many seconds are one incident.
    correlation_window: float = Field(default=600.0, gt=0)
    #: Seconds an incident may stay unacknowledged before it escalates, per severity.
    escalate_after: dict[str, float] = Field(
        default_factory=lambda: {
            "critical": 120.0,
            "major": 300.0,
            "minor": 600.0,
            "warning": 900.0,
            "indeterminate": 1800.0,
        }
    )
    escalation_check_every: float = Field(default=15.0, gt=0)
    max_escalation_level: int = Field(default=3, ge=1)
    adapters: dict[str, LinkedServiceSettings] = Field(default_factory=dict)
    delivery_attempts: int = Field(default=5, ge=1)
    delivery_backoff: float = Field(default=0.5, gt=0)
    #: Public alerts (CAP 1.2): which categories, from which severity up.
    cap_categories: list[str] = Field(default_factory=lambda: ["flood", "fire", "air"])
    cap_min_severity: str = "major"
    cap_subscribers: list[str] = Field(default_factory=list)
    cap_sender: str = "ioc@dosi.city"
    city: str = "dosi"
    #: Radius (km) of the CAP circle around an incident without an area polygon.
    cap_radius_km: float = Field(default=1.0, gt=0)
    #: Cameras and traffic sensors near an incident: search radius in metres.
    camera_radius: float = Field(default=300.0, gt=0)
    #: Where live video and snapshots of a camera are served (``{camera}`` is its id).
    video_url: str = "rtsp://video.local/{camera}/live"
    snapshot_url: str = "https://video.local/{camera}/snapshot.jpg"


class Settings(BaseSettings):
    """Everything a dosi process can be told; frozen once built.

    The stable environment interface: ``DOSI_DATA_DIR`` (embedded store folder),
    ``DOSI_DATABASE_URL`` (``postgresql://...`` switches to PostgreSQL) and
    ``DOSI_CONTEXT_DIR`` (preloaded @contexts: ``index.json`` maps URL → file name).
    """

    model_config = SettingsConfigDict(
        env_prefix="DOSI_", env_nested_delimiter="__", frozen=True, extra="ignore"
    )

    data_dir: Path = Path("./data")
    database_url: str | None = None
    context_dir: Path | None = None
    #: Fetch unknown remote @contexts over the network (off: offline first). Fetched
    #: contexts are cached in the store so a restart does not fetch them again.
    fetch_remote_contexts: bool = False
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    #: The URL clients reach this server at (for Location headers of hosted contexts);
    #: defaults to http://host:port.
    public_url: str | None = None
    #: Default and maximum page size of entity queries (ETSI GS CIM 009 §6.3.10).
    default_limit: int = Field(default=20, ge=1)
    max_limit: int = Field(default=1000, ge=1)
    #: Largest accepted request body in bytes, and deepest JSON nesting.
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    max_json_depth: int = Field(default=64, ge=4)
    #: Most terms a q / scopeQ / type expression may have before TooComplexQuery.
    max_query_terms: int = Field(default=256, ge=8)
    #: Most operations in one batch request.
    max_batch_size: int = Field(default=10_000, ge=1)
    #: Authentication: off by default (demo). When on, every request needs a bearer token
    #: from the built-in issuer (``dosi user add``) or an external OIDC issuer whose JWKS
    #: is given as a file (``auth_jwks_file``); issuer and audience are checked.
    auth_enabled: bool = False
    auth_issuer: str | None = None
    auth_audience: str = "dosi"
    auth_jwks_file: Path | None = None
    #: The external issuer's JWKS endpoint; when unset and ``auth_issuer`` is an http(s)
    #: URL without a JWKS file, it is found by OpenID Connect discovery.
    auth_jwks_url: str | None = None
    #: Seconds between refreshes of the issuer's keys (unknown key ids refresh sooner).
    auth_jwks_refresh: float = Field(default=3600.0, gt=0)
    auth_clock_skew: float = Field(default=30.0, ge=0)
    auth_token_ttl: float = Field(default=3600.0, gt=0)
    #: Allowed CORS origins for browser clients on other origins (none by default).
    cors_origins: list[str] = Field(default_factory=list)
    #: Temporal history retention as ISO 8601 durations (e.g. P90D); unset keeps all.
    #: Per-tenant and per-entity-type (expanded IRI) values override the default.
    temporal_retention: str | None = None
    temporal_retention_by_tenant: dict[str, str] = Field(default_factory=dict)
    temporal_retention_by_type: dict[str, str] = Field(default_factory=dict)
    temporal_purge_every: float = Field(default=3600.0, gt=0)
    #: MQTT broker of the device agent (``mqtt://host:1883``); ``memory://name`` is an
    #: in-process broker (demo without Mosquitto); unset: HTTP device ingestion only.
    mqtt_url: str | None = None
    #: City apps to run (``dosi.apps.<name>``), and each app's own settings section,
    #: e.g. ``DOSI_APPS='["air"]'`` and ``DOSI_APP_SETTINGS='{"air": {"standard": "china"}}'``.
    apps: list[str] = Field(default_factory=list)
    app_settings: dict[str, dict[str, Any]] = Field(default_factory=dict)
    #: Operations centre (``DOSI_OPS__CORRELATION_WINDOW=300``, ``DOSI_OPS='{...}'``).
    ops: OpsSettings = Field(default_factory=OpsSettings)
    shutdown_timeout: float = 10.0
    log_level: str = "INFO"
    log_json: bool = False

    def store_url(self) -> str:
        """The URL that selects the store backend: PostgreSQL if set, else SQLite."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'dosi.db').resolve().as_posix()}"


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build Settings from the environment (or a given mapping) plus explicit overrides.

    ``None`` overrides are dropped so unset CLI flags fall back to the environment.
    """
    values = {k: v for k, v in overrides.items() if v is not None}
    if environ is None:
        return Settings(**values)
    prefix = "DOSI_"
    from_env: dict[str, Any] = {
        k[len(prefix) :].lower(): v for k, v in environ.items() if k.startswith(prefix)
    }
    from_env.update(values)
    return Settings.model_validate(from_env)
