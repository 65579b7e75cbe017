"""Prometheus' HTTP client settings (``prometheus/common`` ``HTTPClientConfig``) inlined in scrape and SD configs.

In: the decoded mapping holding the inline keys (``basic_auth``, ``authorization``, ``oauth2``,
``bearer_token``, ``tls_config``, proxy keys, ``follow_redirects``, ``enable_http2``, ``http_headers``).
Out: an immutable ``HTTPClientConfig`` after Prometheus' validation and normalisation (a bearer token becomes
``authorization``), and its marshalled form with ``Secret`` leaves (``to_tree``).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

from ta.core.objects import secrets
from ta.core.promcfg.decode import as_bool, as_map, as_str, as_str_list
from ta.core.promcfg.errors import PromConfigError, go_quote
from ta.core.promcfg.secret import Secret
from ta.core.promcfg.tree import Node, Obj, freeze

_TLS_VERSIONS = ("TLS10", "TLS11", "TLS12", "TLS13")
_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_SIGNATURE_ALGORITHMS = ("RS256", "RS384", "RS512")
# Header names Prometheus refuses in http_headers (compared in canonical MIME form).
_RESERVED_HEADERS = frozenset(
    {
        "Authorization",
        "Host",
        "Content-Encoding",
        "Content-Length",
        "Content-Type",
        "User-Agent",
        "Connection",
        "Keep-Alive",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "Www-Authenticate",
        "Accept-Encoding",
        "X-Prometheus-Remote-Write-Version",
        "X-Prometheus-Remote-Read-Version",
        "X-Prometheus-Scrape-Timeout-Seconds",
        "X-Amz-Date",
        "X-Amz-Security-Token",
        "X-Amz-Content-Sha256",
    }
)


def _secret(value: object) -> Secret | None:
    # A journal never holds secret values, only their digests (see ta.core.objects.secrets).
    digest = secrets.digest_of(value)
    if digest is not None:
        return Secret.unknown(digest)
    text = as_str(value)
    return Secret.known(text) if text else None


def _secret_list(value: object) -> tuple[Secret, ...]:
    if isinstance(value, list) and any(secrets.digest_of(item) is not None for item in value):
        return tuple(s for s in (_secret(item) for item in value) if s is not None)
    return tuple(Secret.known(text) for text in as_str_list(value) or ())


def _put(out: dict[str, Node], key: str, value: Node) -> None:
    # Go's omitempty: empty strings, false, zero and missing values are left out.
    if value is None or value == "" or value is False or value == () or (isinstance(value, Obj) and not value):
        return
    out[key] = value


def _nonzero(*flags: bool) -> int:
    return sum(1 for flag in flags if flag)


@dataclass(frozen=True, slots=True, kw_only=True)
class BasicAuth:
    username: str = ""
    username_file: str = ""
    username_ref: str = ""
    password: Secret | None = None
    password_file: str = ""
    password_ref: str = ""

    def to_tree(self) -> Obj:
        out: dict[str, Node] = {}
        for key in ("username", "username_file", "username_ref", "password", "password_file", "password_ref"):
            _put(out, key, getattr(self, key))
        return Obj(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class Authorization:
    type: str = ""
    credentials: Secret | None = None
    credentials_file: str = ""
    credentials_ref: str = ""

    def to_tree(self) -> Obj:
        out: dict[str, Node] = {}
        for key in ("type", "credentials", "credentials_file", "credentials_ref"):
            _put(out, key, getattr(self, key))
        return Obj(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class TLSConfig:
    ca: str = ""
    cert: str = ""
    key: Secret | None = None
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    ca_ref: str = ""
    cert_ref: str = ""
    key_ref: str = ""
    server_name: str = ""
    insecure_skip_verify: bool = False
    min_version: str = ""
    max_version: str = ""

    def to_tree(self) -> Obj | None:
        """``None`` when every field is zero: the struct is then omitted (omitempty)."""
        if self == TLSConfig():
            return None
        out: dict[str, Node] = {"insecure_skip_verify": self.insecure_skip_verify}
        for key in ("ca", "cert", "key", "ca_file", "cert_file", "key_file", "ca_ref", "cert_ref", "key_ref"):
            _put(out, key, getattr(self, key))
        for key in ("server_name", "min_version", "max_version"):
            _put(out, key, getattr(self, key))
        return Obj(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProxyConfig:
    proxy_url: str = ""
    no_proxy: str = ""
    proxy_from_environment: bool = False
    proxy_connect_header: tuple[tuple[str, tuple[Secret, ...]], ...] = ()

    def put_tree(self, out: dict[str, Node]) -> None:
        _put(out, "proxy_url", redact_url(self.proxy_url) if self.proxy_url else None)
        _put(out, "no_proxy", self.no_proxy)
        _put(out, "proxy_from_environment", self.proxy_from_environment)
        if self.proxy_connect_header:
            out["proxy_connect_header"] = Obj(dict(self.proxy_connect_header))


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuth2:
    client_id: str = ""
    client_secret: Secret | None = None
    client_secret_file: str = ""
    client_secret_ref: str = ""
    client_certificate_key_id: str = ""
    client_certificate_key: Secret | None = None
    client_certificate_key_file: str = ""
    client_certificate_key_ref: str = ""
    grant_type: str = ""
    signature_algorithm: str = ""
    iss: str = ""
    audience: str = ""
    claims: Obj | None = None
    scopes: tuple[str, ...] = ()
    token_url: str = ""
    endpoint_params: tuple[tuple[str, str], ...] = ()
    tls_config: TLSConfig = field(default_factory=TLSConfig)
    proxy: ProxyConfig = field(default_factory=ProxyConfig)

    def to_tree(self) -> Obj:
        out: dict[str, Node] = {}
        for key in (
            "client_id",
            "client_secret",
            "client_secret_file",
            "client_secret_ref",
            "client_certificate_key_id",
            "client_certificate_key",
            "client_certificate_key_file",
            "client_certificate_key_ref",
            "grant_type",
            "signature_algorithm",
            "iss",
            "audience",
            "claims",
            "token_url",
        ):
            _put(out, key, getattr(self, key))
        _put(out, "scopes", self.scopes)
        if self.endpoint_params:
            out["endpoint_params"] = Obj(dict(self.endpoint_params))
        _put(out, "tls_config", self.tls_config.to_tree())
        self.proxy.put_tree(out)
        return Obj(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class HTTPHeader:
    values: tuple[str, ...] = ()
    secrets: tuple[Secret, ...] = ()
    files: tuple[str, ...] = ()

    def to_tree(self) -> Obj:
        out: dict[str, Node] = {}
        _put(out, "values", self.values)
        _put(out, "secrets", self.secrets)
        _put(out, "files", self.files)
        return Obj(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class HTTPClientConfig:
    """Validated client settings; ``bearer_token``/``bearer_token_file`` are folded into ``authorization``."""

    basic_auth: BasicAuth | None = None
    authorization: Authorization | None = None
    oauth2: OAuth2 | None = None
    tls_config: TLSConfig = field(default_factory=TLSConfig)
    follow_redirects: bool = True
    enable_http2: bool = True
    proxy: ProxyConfig = field(default_factory=ProxyConfig)
    http_headers: tuple[tuple[str, HTTPHeader], ...] | None = None

    def to_tree(self) -> dict[str, Node]:
        """The inline keys as Prometheus marshals them (to merge into the enclosing config's object)."""
        out: dict[str, Node] = {"follow_redirects": self.follow_redirects, "enable_http2": self.enable_http2}
        if self.basic_auth is not None:
            out["basic_auth"] = self.basic_auth.to_tree()
        if self.authorization is not None:
            out["authorization"] = self.authorization.to_tree()
        if self.oauth2 is not None:
            out["oauth2"] = self.oauth2.to_tree()
        _put(out, "tls_config", self.tls_config.to_tree())
        self.proxy.put_tree(out)
        if self.http_headers is not None:
            out["http_headers"] = Obj({name: header.to_tree() for name, header in self.http_headers})
        return out


def redact_url(url: str) -> str:
    """Prometheus prints URLs with any password replaced by ``xxxxx``."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.netloc.rpartition("@")[0].partition(":")[0]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:xxxxx@{host}"))


def _canonical_header(name: str) -> str:
    # Go's http.CanonicalHeaderKey for the usual token characters.
    if any(ch == " " or not ch.isascii() for ch in name):
        return name
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


def parse_tls_config(raw: object) -> TLSConfig:
    data = as_map(raw, "config.plain")
    versions: dict[str, str] = {}
    for key in ("min_version", "max_version"):
        if data.get(key) is not None:
            text = as_str(data[key])
            if text not in _TLS_VERSIONS:
                raise PromConfigError(f"unknown TLS version: {text}")
            versions[key] = text
    cfg = TLSConfig(
        ca=as_str(data.get("ca")),
        cert=as_str(data.get("cert")),
        key=_secret(data.get("key")),
        ca_file=as_str(data.get("ca_file")),
        cert_file=as_str(data.get("cert_file")),
        key_file=as_str(data.get("key_file")),
        ca_ref=as_str(data.get("ca_ref")),
        cert_ref=as_str(data.get("cert_ref")),
        key_ref=as_str(data.get("key_ref")),
        server_name=as_str(data.get("server_name")),
        insecure_skip_verify=as_bool(data.get("insecure_skip_verify")),
        **versions,
    )
    if _nonzero(bool(cfg.ca), bool(cfg.ca_file), bool(cfg.ca_ref)) > 1:
        raise PromConfigError("at most one of ca, ca_file & ca_ref must be configured")
    if _nonzero(bool(cfg.cert), bool(cfg.cert_file), bool(cfg.cert_ref)) > 1:
        raise PromConfigError("at most one of cert, cert_file & cert_ref must be configured")
    if _nonzero(cfg.key is not None, bool(cfg.key_file), bool(cfg.key_ref)) > 1:
        raise PromConfigError("at most one of key and key_file must be configured")
    using_cert = bool(cfg.cert or cfg.cert_file or cfg.cert_ref)
    using_key = bool(cfg.key is not None or cfg.key_file or cfg.key_ref)
    if using_cert and not using_key:
        raise PromConfigError(
            "exactly one of key or key_file must be configured when a client certificate is configured"
        )
    if using_key and not using_cert:
        raise PromConfigError("exactly one of cert or cert_file must be configured when a client key is configured")
    return cfg


def _parse_proxy(data: Mapping[str, object]) -> ProxyConfig:
    headers: list[tuple[str, tuple[Secret, ...]]] = []
    for name, values in sorted(as_map(data.get("proxy_connect_header"), "config.ProxyHeader").items()):
        headers.append((name, _secret_list(values)))
    cfg = ProxyConfig(
        proxy_url=as_str(data.get("proxy_url")),
        no_proxy=as_str(data.get("no_proxy")),
        proxy_from_environment=as_bool(data.get("proxy_from_environment")),
        proxy_connect_header=tuple(headers),
    )
    if cfg.proxy_connect_header and not cfg.proxy_from_environment and not cfg.proxy_url:
        raise PromConfigError(
            "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured"
        )
    if cfg.proxy_from_environment and cfg.proxy_url:
        raise PromConfigError("if proxy_from_environment is configured, proxy_url must not be configured")
    if cfg.proxy_from_environment and cfg.no_proxy:
        raise PromConfigError("if proxy_from_environment is configured, no_proxy must not be configured")
    if not cfg.proxy_url and cfg.no_proxy:
        raise PromConfigError("if no_proxy is configured, proxy_url must also be configured")
    return cfg


def _parse_oauth2(raw: object) -> OAuth2:
    data = as_map(raw, "config.plain")
    params = as_map(data.get("endpoint_params"), "map[string]string")
    claims = data.get("claims")
    frozen_claims = freeze(as_map(claims, "map[string]interface {}")) if claims is not None else None
    return OAuth2(
        client_id=as_str(data.get("client_id")),
        client_secret=_secret(data.get("client_secret")),
        client_secret_file=as_str(data.get("client_secret_file")),
        client_secret_ref=as_str(data.get("client_secret_ref")),
        client_certificate_key_id=as_str(data.get("client_certificate_key_id")),
        client_certificate_key=_secret(data.get("client_certificate_key")),
        client_certificate_key_file=as_str(data.get("client_certificate_key_file")),
        client_certificate_key_ref=as_str(data.get("client_certificate_key_ref")),
        grant_type=as_str(data.get("grant_type")),
        signature_algorithm=as_str(data.get("signature_algorithm")),
        iss=as_str(data.get("iss")),
        audience=as_str(data.get("audience")),
        claims=frozen_claims if isinstance(frozen_claims, Obj) and frozen_claims else None,
        scopes=as_str_list(data.get("scopes")) or (),
        token_url=as_str(data.get("token_url")),
        endpoint_params=tuple(sorted((key, as_str(value)) for key, value in params.items())),
        tls_config=parse_tls_config(data.get("tls_config")),
        proxy=_parse_proxy(data),
    )


def _parse_headers(raw: object) -> tuple[tuple[str, HTTPHeader], ...]:
    headers: list[tuple[str, HTTPHeader]] = []
    for name, value in sorted(as_map(raw, "config.Headers").items()):
        data = as_map(value, "config.Header")
        header = HTTPHeader(
            values=as_str_list(data.get("values")) or (),
            secrets=_secret_list(data.get("secrets")),
            files=as_str_list(data.get("files")) or (),
        )
        headers.append((name, header))
    for name, _ in headers:
        canonical = _canonical_header(name)
        if canonical in _RESERVED_HEADERS:
            raise PromConfigError(f"setting header {go_quote(canonical)} is not allowed")
    return tuple(headers)


def parse_http_client_config(data: Mapping[str, object]) -> HTTPClientConfig:
    """Decode the inline HTTP client keys of ``data`` and apply ``HTTPClientConfig.Validate``."""
    basic_auth = None
    if data.get("basic_auth") is not None:
        ba = as_map(data["basic_auth"], "config.plain")
        basic_auth = BasicAuth(
            username=as_str(ba.get("username")),
            username_file=as_str(ba.get("username_file")),
            username_ref=as_str(ba.get("username_ref")),
            password=_secret(ba.get("password")),
            password_file=as_str(ba.get("password_file")),
            password_ref=as_str(ba.get("password_ref")),
        )
    authorization = None
    if data.get("authorization") is not None:
        au = as_map(data["authorization"], "config.Authorization")
        authorization = Authorization(
            type=as_str(au.get("type")),
            credentials=_secret(au.get("credentials")),
            credentials_file=as_str(au.get("credentials_file")),
            credentials_ref=as_str(au.get("credentials_ref")),
        )
    oauth2 = _parse_oauth2(data["oauth2"]) if data.get("oauth2") is not None else None
    bearer_token = _secret(data.get("bearer_token"))
    bearer_token_file = as_str(data.get("bearer_token_file"))
    tls_config = parse_tls_config(data.get("tls_config"))
    follow_redirects = as_bool(data["follow_redirects"]) if "follow_redirects" in data else True
    enable_http2 = as_bool(data["enable_http2"]) if "enable_http2" in data else True
    proxy = _parse_proxy(data)
    headers = _parse_headers(data["http_headers"]) if data.get("http_headers") is not None else None

    has_bearer = bearer_token is not None or bool(bearer_token_file)
    if bearer_token is not None and bearer_token_file:
        raise PromConfigError("at most one of bearer_token & bearer_token_file must be configured")
    if (basic_auth is not None or oauth2 is not None) and has_bearer:
        raise PromConfigError("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured")
    if basic_auth is not None:
        if _nonzero(bool(basic_auth.username), bool(basic_auth.username_file), bool(basic_auth.username_ref)) > 1:
            raise PromConfigError("at most one of basic_auth username, username_file & username_ref must be configured")
        if _nonzero(basic_auth.password is not None, bool(basic_auth.password_file), bool(basic_auth.password_ref)) > 1:
            raise PromConfigError("at most one of basic_auth password, password_file & password_ref must be configured")
    if authorization is not None:
        if has_bearer:
            raise PromConfigError("authorization is not compatible with bearer_token & bearer_token_file")
        count = _nonzero(
            authorization.credentials is not None,
            bool(authorization.credentials_file),
            bool(authorization.credentials_ref),
        )
        if count > 1:
            raise PromConfigError("at most one of authorization credentials & credentials_file must be configured")
        kind = authorization.type.strip() or "Bearer"
        authorization = Authorization(
            type=kind,
            credentials=authorization.credentials,
            credentials_file=authorization.credentials_file,
            credentials_ref=authorization.credentials_ref,
        )
        if kind.lower() == "basic":
            raise PromConfigError('authorization type cannot be set to "basic", use "basic_auth" instead')
        if basic_auth is not None or oauth2 is not None:
            raise PromConfigError("at most one of basic_auth, oauth2 & authorization must be configured")
    elif bearer_token is not None:
        authorization = Authorization(type="Bearer", credentials=bearer_token)
    elif bearer_token_file:
        authorization = Authorization(type="Bearer", credentials_file=bearer_token_file)
    if oauth2 is not None:
        if basic_auth is not None:
            raise PromConfigError("at most one of basic_auth, oauth2 & authorization must be configured")
        if not oauth2.client_id:
            raise PromConfigError("oauth2 client_id must be configured")
        if not oauth2.token_url:
            raise PromConfigError("oauth2 token_url must be configured")
        if oauth2.grant_type == _JWT_BEARER:
            count = _nonzero(
                oauth2.client_certificate_key is not None,
                bool(oauth2.client_certificate_key_file),
                bool(oauth2.client_certificate_key_ref),
            )
            if count > 1:
                raise PromConfigError(
                    "at most one of oauth2 client_certificate_key, client_certificate_key_file & "
                    f"client_certificate_key_ref must be configured using grant-type={_JWT_BEARER}"
                )
            if oauth2.signature_algorithm and oauth2.signature_algorithm not in _SIGNATURE_ALGORITHMS:
                raise PromConfigError("valid signature algorithms are RS256, RS384 and RS512")
        elif (
            _nonzero(oauth2.client_secret is not None, bool(oauth2.client_secret_file), bool(oauth2.client_secret_ref))
            > 1
        ):
            raise PromConfigError(
                "at most one of oauth2 client_secret, client_secret_file & client_secret_ref must be configured "
                "using grant-type=client_credentials"
            )
    return HTTPClientConfig(
        basic_auth=basic_auth,
        authorization=authorization,
        oauth2=oauth2,
        tls_config=tls_config,
        follow_redirects=follow_redirects,
        enable_http2=enable_http2,
        proxy=proxy,
        http_headers=headers,
    )
