"""The gateway's settings and its declarative policy file (shaped like the seed's ``kong.yml``).

The file is parsed once into :class:`RoutePolicy` objects, one per route, with the global, service and
route plugins already merged, so the middleware only does a prefix lookup per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Plugins the gateway applies; others in the file (``file-log``) are accepted and ignored.
KNOWN_PLUGINS = frozenset(
    {
        "rate-limiting",
        "jwt",
        "cors",
        "request-size-limiting",
        "response-caching",
        "proxy-cache",
        "gzip",
        "request-logging",
        "prometheus",
        "zipkin",
        "file-log",
    }
)


class GatewaySettings(BaseSettings):
    """``ECOVAREJO_GATEWAY_*``. ``ECOVAREJO_GATEWAY_RATE_LIMITS=off`` turns rate limiting off (the test
    suite does so for every app except the gateway's own tests, which turn it back on)."""

    model_config = SettingsConfigDict(env_prefix="ECOVAREJO_GATEWAY_", extra="ignore")

    #: Policy file; the packaged ``gateway.yml`` (the seed's values) when unset.
    config: Path | None = None
    #: Apply the edge policies at all (metrics and tracing stay on).
    enabled: bool = True
    rate_limits: bool = True
    cache: bool = True
    #: Bearer token Prometheus must send to ``/metrics``; when empty only private/loopback clients may scrape.
    metrics_token: str = ""
    #: Tracing exporter: ``none``, ``otlp`` (HTTP/protobuf), ``zipkin`` or ``console``.
    tracing_exporter: str = "none"
    #: Exporter endpoint; OTLP's default or the policy file's ``zipkin`` plugin ``http_endpoint`` when empty.
    tracing_endpoint: str = ""
    tracing_service_name: str = "ecovarejo"
    #: Fraction of new traces sampled (parent-based: a sampled caller is always followed).
    tracing_sample_ratio: float = 1.0


class GatewayConfigError(ValueError):
    """The policy file is not valid."""


@dataclass(frozen=True)
class RateLimit:
    limits: dict[str, int]  # period (second/minute/hour/day) -> allowed requests
    fault_tolerant: bool = True


@dataclass(frozen=True)
class Cors:
    origins: frozenset[str]
    credentials: bool
    methods: tuple[str, ...] = ("GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS")
    headers: tuple[str, ...] = ()
    exposed_headers: tuple[str, ...] = ()
    max_age: int = 600

    def allows(self, origin: str) -> bool:
        return "*" in self.origins or origin in self.origins


@dataclass(frozen=True)
class Cache:
    ttl: int
    methods: frozenset[str] = frozenset({"GET", "HEAD"})
    statuses: frozenset[int] = frozenset({200})
    content_types: tuple[str, ...] = ("application/json", "text/plain")
    vary_headers: tuple[str, ...] = ("accept-language",)
    max_body: int = 1024 * 1024
    #: ``versioned: true`` (not in Kong): the routes' data is covered by the catalog version every key
    #: carries, so a write or a product event never needs to purge their entries (the tenant's whole
    #: cache was emptied by each one: a relay draining an import's events kept every read a miss).
    versioned: bool = False


@dataclass(frozen=True)
class RoutePolicy:
    """Everything the middleware applies to requests of one route."""

    route: str
    service: str
    prefixes: tuple[str, ...]
    rate_limit: RateLimit | None = None
    jwt: bool = False
    cors: Cors | None = None
    max_body: int | None = None
    cache: Cache | None = None
    gzip_types: tuple[str, ...] = ()
    #: zlib level 1-9; 4 keeps most of the size gain at a fraction of level 9's CPU.
    gzip_level: int = 4
    log_level: str | None = None


@dataclass
class GatewayConfig:
    routes: list[RoutePolicy]
    default: RoutePolicy
    globals: dict[str, dict[str, Any]] = field(default_factory=dict)
    _index: list[tuple[str, RoutePolicy]] = field(default_factory=list)

    def __post_init__(self) -> None:
        pairs = [(p.rstrip("/") or "/", r) for r in self.routes for p in r.prefixes]
        self._index = sorted(pairs, key=lambda pr: len(pr[0]), reverse=True)

    def match(self, path: str) -> RoutePolicy:
        """The route whose path is the longest prefix of ``path`` at a segment boundary (Kong's rule)."""
        for prefix, policy in self._index:
            if path == prefix or path.startswith(prefix + "/") or prefix == "/":
                return policy
        return self.default

    def by_service(self, service: str) -> list[RoutePolicy]:
        return [r for r in self.routes if r.service == service]

    def purges_on_events(self) -> bool:
        """Some cached route's data is not covered by the catalog version: product events must purge."""
        return any(r.cache is not None and not r.cache.versioned for r in [*self.routes, self.default])


def default_config_text() -> str:
    return resources.files("ecovarejo.gateway").joinpath("gateway.yml").read_text(encoding="utf-8")


def load_config(settings: GatewaySettings) -> GatewayConfig:
    text = settings.config.read_text(encoding="utf-8") if settings.config else default_config_text()
    return parse_config(text)


def _plugins(items: Any, where: str) -> dict[str, dict[str, Any]]:
    """name -> config (``None`` config when the plugin is switched off with ``enabled: false``)."""
    out: dict[str, dict[str, Any]] = {}
    for item in items or []:
        if not isinstance(item, dict) or "name" not in item:
            raise GatewayConfigError(f"{where}: each plugin needs a name")
        name = str(item["name"])
        if name not in KNOWN_PLUGINS:
            raise GatewayConfigError(f"{where}: unknown plugin {name!r}")
        cfg = item.get("config") or {}
        if not isinstance(cfg, dict):
            raise GatewayConfigError(f"{where}: config of {name} must be a mapping")
        out[name] = {**cfg, "_enabled": bool(item.get("enabled", True))}
    return out


def _rate_limit(cfg: dict[str, Any], where: str) -> RateLimit:
    limits = {}
    for period in ("second", "minute", "hour", "day"):
        if cfg.get(period) is not None:
            value = int(cfg[period])
            if value <= 0:
                raise GatewayConfigError(f"{where}: rate-limiting {period} must be positive")
            limits[period] = value
    if not limits:
        raise GatewayConfigError(f"{where}: rate-limiting needs at least one of second/minute/hour/day")
    return RateLimit(limits=limits, fault_tolerant=bool(cfg.get("fault_tolerant", True)))


def _cors(cfg: dict[str, Any], where: str) -> Cors:
    origins = frozenset(str(o) for o in cfg.get("origins") or [])
    credentials = bool(cfg.get("credentials", False))
    if not origins:
        raise GatewayConfigError(f"{where}: cors needs an origins allow-list")
    if credentials and "*" in origins:
        raise GatewayConfigError(f"{where}: cors cannot allow every origin ('*') together with credentials")
    kw: dict[str, Any] = {}
    if cfg.get("methods"):
        kw["methods"] = tuple(str(m).upper() for m in cfg["methods"])
    if cfg.get("headers"):
        kw["headers"] = tuple(str(h) for h in cfg["headers"])
    if cfg.get("exposed_headers"):
        kw["exposed_headers"] = tuple(str(h) for h in cfg["exposed_headers"])
    if cfg.get("max_age") is not None:
        kw["max_age"] = int(cfg["max_age"])
    return Cors(origins=origins, credentials=credentials, **kw)


def _size(cfg: dict[str, Any]) -> int:
    unit = str(cfg.get("size_unit", "megabytes"))
    factor = {"bytes": 1, "kilobytes": 1024, "megabytes": 1024 * 1024}.get(unit)
    if factor is None:
        raise GatewayConfigError(f"request-size-limiting: unknown size_unit {unit!r}")
    return int(float(cfg.get("allowed_payload_size", 128)) * factor)


def _cache(cfg: dict[str, Any]) -> Cache:
    kw: dict[str, Any] = {"ttl": int(cfg.get("cache_ttl", 300))}
    if cfg.get("request_method"):
        kw["methods"] = frozenset(str(m).upper() for m in cfg["request_method"])
    if cfg.get("response_code"):
        kw["statuses"] = frozenset(int(c) for c in cfg["response_code"])
    if cfg.get("content_type"):
        kw["content_types"] = tuple(str(c).lower() for c in cfg["content_type"])
    if cfg.get("vary_headers"):
        kw["vary_headers"] = tuple(str(h).lower() for h in cfg["vary_headers"])
    if "versioned" in cfg:
        if not isinstance(cfg["versioned"], bool):
            raise GatewayConfigError("response-caching: versioned must be true or false")
        kw["versioned"] = cfg["versioned"]
    return Cache(**kw)


def _gzip_level(cfg: dict[str, Any]) -> int:
    level = int(cfg.get("level", 4))
    if not 1 <= level <= 9:
        raise GatewayConfigError("gzip: level must be between 1 and 9")
    return level


def _policy(route: str, service: str, prefixes: tuple[str, ...], plugins: dict[str, dict[str, Any]]) -> RoutePolicy:
    on = {k: v for k, v in plugins.items() if v.get("_enabled", True)}
    where = f"route {route}"
    cache_cfg = on.get("response-caching", on.get("proxy-cache"))
    return RoutePolicy(
        route=route,
        service=service,
        prefixes=prefixes,
        rate_limit=_rate_limit(on["rate-limiting"], where) if "rate-limiting" in on else None,
        jwt="jwt" in on,
        cors=_cors(on["cors"], where) if "cors" in on else None,
        max_body=_size(on["request-size-limiting"]) if "request-size-limiting" in on else 10 * 1024 * 1024,
        cache=_cache(cache_cfg) if cache_cfg is not None else None,
        gzip_types=tuple(str(t).lower() for t in on["gzip"].get("types", ["application/json", "text/plain"]))
        if "gzip" in on
        else (),
        gzip_level=_gzip_level(on["gzip"]) if "gzip" in on else 4,
        log_level=str(on["request-logging"].get("log_level", "info")) if "request-logging" in on else None,
    )


def parse_config(text: str) -> GatewayConfig:
    doc = yaml.safe_load(text) or {}
    if not isinstance(doc, dict):
        raise GatewayConfigError("the gateway file must be a mapping")
    global_plugins = _plugins(doc.get("plugins"), "plugins")
    services: dict[str, dict[str, dict[str, Any]]] = {}
    for svc in doc.get("services") or []:
        name = str(svc.get("name") or "")
        if not name:
            raise GatewayConfigError("every service needs a name")
        services[name] = _plugins(svc.get("plugins"), f"service {name}")
        _policy(name, name, (), {**global_plugins, **services[name]})  # validates a service without routes too
    routes = []
    for i, r in enumerate(doc.get("routes") or []):
        name = str(r.get("name") or f"route-{i}")
        service = str(r.get("service") or "")
        if service not in services:
            raise GatewayConfigError(f"route {name}: unknown service {service!r}")
        paths = tuple(str(p) for p in r.get("paths") or [])
        if not paths or not all(p.startswith("/") for p in paths):
            raise GatewayConfigError(f"route {name}: paths must be absolute")
        merged = {**global_plugins, **services[service], **_plugins(r.get("plugins"), f"route {name}")}
        routes.append(_policy(name, service, paths, merged))
    default = _policy("none", "none", (), global_plugins)
    return GatewayConfig(routes=routes, default=default, globals=global_plugins)
