"""HTTP client settings of a CR endpoint: validation, scrape-class merging and Prometheus-form rendering.

In: CRD mappings for ``tlsConfig``, ``authorization``, ``basicAuth``, ``oauth2`` and the inline proxy fields, a
``Resolver`` for referenced Secret/ConfigMap keys, and the scrape class in effect. Out: ``Invalid`` for settings the
operator rejects, and the ``tls_config`` / ``authorization`` / ``basic_auth`` / ``oauth2`` / proxy entries with
credentials inlined (the TA runs the generator with inline TLS).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ta.core.promop.model import Invalid, Job, Obj
from ta.core.promop.objects import mapping, opt_bool, opt_mapping, opt_string, seq, string, strings
from ta.core.promop.secrets import Resolver

_TLS_FILES = ("caFile", "certFile", "keyFile")


def _has_ref(selector: Mapping[str, Any] | None) -> bool:
    return bool(selector) and (
        opt_mapping(selector, "secret") is not None or opt_mapping(selector, "configMap") is not None
    )


def _validate_secret_or_configmap(selector: Mapping[str, Any] | None, what: str) -> None:
    if selector and opt_mapping(selector, "secret") is not None and opt_mapping(selector, "configMap") is not None:
        raise Invalid(f"{what}: cannot specify both Secret and ConfigMap")


def validate_tls(tls: Mapping[str, Any] | None) -> None:
    """``TLSConfig.Validate`` (file fields allowed); the safe variant simply has no file fields set."""
    if tls is None:
        return
    ca, cert, key_secret = opt_mapping(tls, "ca"), opt_mapping(tls, "cert"), opt_mapping(tls, "keySecret")
    _validate_secret_or_configmap(ca, "ca")
    _validate_secret_or_configmap(cert, "cert")
    min_version, max_version = string(tls, "minVersion"), string(tls, "maxVersion")
    if min_version and max_version and max_version < min_version:
        raise Invalid("maxVersion must more than or equal to minVersion")
    if _has_ref(ca) and string(tls, "caFile"):
        raise Invalid("cannot specify both 'caFile' and 'ca'")
    if _has_ref(cert) and string(tls, "certFile"):
        raise Invalid("cannot specify both 'certFile' and 'cert'")
    if string(tls, "keyFile") and key_secret is not None:
        raise Invalid("cannot specify both 'keyFile' and 'keySecret'")
    has_cert = _has_ref(cert) or bool(string(tls, "certFile"))
    has_key = key_secret is not None or bool(string(tls, "keyFile"))
    if has_cert and not has_key:
        raise Invalid("cannot specify client cert without client key")
    if has_key and not has_cert:
        raise Invalid("cannot specify client key without client cert")


def validate_authorization(auth: Mapping[str, Any] | None, *, safe: bool) -> None:
    if auth is None:
        return
    if string(auth, "type").strip().lower() == "basic":
        raise Invalid('authorization type cannot be set to "basic", use "basicAuth" instead')
    credentials = opt_mapping(auth, "credentials")
    if safe and credentials is None:
        raise Invalid("'authorization' credentials are required")
    if credentials is not None and string(auth, "credentialsFile"):
        raise Invalid('authorization can not specify both "credentials" and "credentialsFile"')


def validate_proxy(obj: Mapping[str, Any]) -> None:
    url, no_proxy = opt_string(obj, "proxyUrl"), opt_string(obj, "noProxy")
    from_env = opt_bool(obj, "proxyFromEnvironment")
    headers = mapping(obj, "proxyConnectHeader")
    from_env_set = bool(from_env)
    if headers and not from_env_set and url is None:
        raise Invalid("if proxyConnectHeader is configured, proxyUrl or proxyFromEnvironment must also be configured")
    if from_env_set and url is not None:
        raise Invalid("if proxyFromEnvironment is configured, proxyUrl must not be configured")
    if from_env_set and no_proxy is not None:
        raise Invalid("if proxyFromEnvironment is configured, noProxy must not be configured")
    if url is None and no_proxy is not None:
        raise Invalid("if noProxy is configured, proxyUrl must also be configured")


def validate_oauth2(oauth2: Mapping[str, Any] | None) -> None:
    if oauth2 is None:
        return
    if not string(oauth2, "tokenUrl"):
        raise Invalid("OAuth2 tokenURL must be specified")
    client_id = opt_mapping(oauth2, "clientId")
    if not _has_ref(client_id):
        raise Invalid("OAuth2 'clientID' must be specified")
    _validate_secret_or_configmap(client_id, "invalid OAuth2 'clientID'")
    validate_tls(opt_mapping(oauth2, "tlsConfig"))
    validate_proxy(oauth2)


def validate_auth_exclusive(http: Obj) -> None:
    """At most one of authorization, basicAuth, bearerTokenSecret and oauth2."""
    present = [
        name for name in ("authorization", "basicAuth", "bearerTokenSecret", "oauth2") if opt_mapping(http, name)
    ]
    if len(present) > 1:
        raise Invalid(f"{present[0]} and {present[1]} cannot be configured at the same time")


def read_credentials(resolver: Resolver, http: Obj, *, safe_auth: bool) -> None:
    """Read every referenced key, as the operator's asset store does during selection (missing -> Invalid)."""
    bearer = opt_mapping(http, "bearerTokenSecret")
    if bearer is not None and string(bearer, "name"):
        try:
            resolver.secret(bearer)
        except Invalid as exc:
            raise Invalid(f"bearerTokenSecret: {exc}") from None
    basic = opt_mapping(http, "basicAuth")
    if basic is not None:
        try:
            resolver.secret(mapping(basic, "username"))
            resolver.secret(mapping(basic, "password"))
        except Invalid as exc:
            raise Invalid(f"basicAuth: {exc}") from None
    tls = opt_mapping(http, "tlsConfig")
    if tls is not None:
        try:
            validate_tls(tls)
            _read_tls(resolver, tls)
        except Invalid as exc:
            raise Invalid(f"tlsConfig: {exc}") from None
    oauth2 = opt_mapping(http, "oauth2")
    if oauth2 is not None:
        try:
            validate_oauth2(oauth2)
            resolver.secret_or_configmap(mapping(oauth2, "clientId"))
            resolver.secret(mapping(oauth2, "clientSecret"))
            _read_proxy_headers(resolver, oauth2)
            _read_tls(resolver, opt_mapping(oauth2, "tlsConfig"))
        except Invalid as exc:
            raise Invalid(f"oauth2: {exc}") from None
    auth = opt_mapping(http, "authorization")
    if auth is not None and opt_mapping(auth, "credentials") is not None:
        try:
            validate_authorization(auth, safe=safe_auth)
            credentials = mapping(auth, "credentials")
            if string(credentials, "name"):
                resolver.secret(credentials)
        except Invalid as exc:
            raise Invalid(f"authorization: {exc}") from None
    try:
        validate_proxy(http)
        _read_proxy_headers(resolver, http)
    except Invalid as exc:
        raise Invalid(f"proxyConfig: {exc}") from None


def _read_tls(resolver: Resolver, tls: Mapping[str, Any] | None) -> None:
    if tls is None:
        return
    resolver.secret_or_configmap(mapping(tls, "ca"))
    resolver.secret_or_configmap(mapping(tls, "cert"))
    key = opt_mapping(tls, "keySecret")
    if key is not None:
        resolver.secret(key)


def _read_proxy_headers(resolver: Resolver, obj: Mapping[str, Any]) -> None:
    headers = mapping(obj, "proxyConnectHeader")
    for header in sorted(headers):
        for selector in seq(headers, header):
            resolver.secret(selector if isinstance(selector, Mapping) else {})


# -- scrape classes -------------------------------------------------------------------------------------------


def scrape_class_for(classes: tuple[Obj, ...], name: str | None) -> Obj:
    """The named class if it exists, else the default class, else an empty class."""
    if name is not None:
        for scrape_class in classes:
            if string(scrape_class, "name") == name:
                return scrape_class
    for scrape_class in classes:
        if opt_bool(scrape_class, "default"):
            return scrape_class
    return {}


def merge_tls(tls: Mapping[str, Any] | None, scrape_class: Obj) -> Mapping[str, Any] | None:
    """Fill the monitor's TLS file fields from the class where the monitor left CA/cert/key unset."""
    class_tls = opt_mapping(scrape_class, "tlsConfig")
    if tls is None:
        return class_tls
    if class_tls is None:
        return tls
    merged = dict(tls)
    if not string(tls, "caFile") and not _has_ref(opt_mapping(tls, "ca")):
        merged["caFile"] = string(class_tls, "caFile")
    if not string(tls, "certFile") and not _has_ref(opt_mapping(tls, "cert")):
        merged["certFile"] = string(class_tls, "certFile")
    if not string(tls, "keyFile") and opt_mapping(tls, "keySecret") is None:
        merged["keyFile"] = string(class_tls, "keyFile")
    return merged


def merge_safe_tls(tls: Mapping[str, Any] | None, scrape_class: Obj) -> Mapping[str, Any] | None:
    """As ``merge_tls``, but an empty ``SafeTLSConfig`` counts as unset (the operator compares to the zero value)."""
    return merge_tls(tls or None, scrape_class)


def merge_authorization(auth: Mapping[str, Any] | None, scrape_class: Obj) -> Mapping[str, Any] | None:
    auth = auth or None
    class_auth = opt_mapping(scrape_class, "authorization")
    if auth is None:
        return class_auth
    if class_auth is None:
        return auth
    merged = dict(auth)
    if opt_mapping(auth, "credentials") is None:
        class_credentials = opt_mapping(class_auth, "credentials")
        if class_credentials is not None:
            merged["credentials"] = class_credentials
        elif not string(auth, "credentialsFile"):
            merged["credentialsFile"] = string(class_auth, "credentialsFile")
    return merged


# -- rendering ------------------------------------------------------------------------------------------------


def render_tls(resolver: Resolver, tls: Mapping[str, Any]) -> Job:
    out: Job = {}
    insecure = opt_bool(tls, "insecureSkipVerify")
    if insecure is not None:
        out["insecure_skip_verify"] = insecure
    if _has_ref(opt_mapping(tls, "ca")):
        out["ca"] = resolver.secret_or_configmap(mapping(tls, "ca"))
    if _has_ref(opt_mapping(tls, "cert")):
        out["cert"] = resolver.secret_or_configmap(mapping(tls, "cert"))
    key = opt_mapping(tls, "keySecret")
    if key is not None:
        out["key"] = resolver.secret(key)
    if string(tls, "serverName"):
        out["server_name"] = string(tls, "serverName")
    if opt_string(tls, "minVersion") is not None:
        out["min_version"] = string(tls, "minVersion")
    if opt_string(tls, "maxVersion") is not None:
        out["max_version"] = string(tls, "maxVersion")
    for field, key_name in zip(_TLS_FILES, ("ca_file", "cert_file", "key_file"), strict=True):
        if string(tls, field):
            out[key_name] = string(tls, field)
    return out


def render_basic_auth(resolver: Resolver, basic: Mapping[str, Any]) -> Job:
    return {
        "username": resolver.secret(mapping(basic, "username")),
        "password": resolver.secret(mapping(basic, "password")),
    }


def render_authorization(resolver: Resolver, auth: Mapping[str, Any]) -> Job:
    out: Job = {"type": (string(auth, "type") or "Bearer").strip()}
    credentials = opt_mapping(auth, "credentials")
    if credentials is not None:
        out["credentials"] = resolver.secret(credentials)
    if string(auth, "credentialsFile"):
        out["credentials_file"] = string(auth, "credentialsFile")
    return out


def render_proxy(resolver: Resolver, obj: Mapping[str, Any]) -> Job:
    out: Job = {}
    if opt_string(obj, "proxyUrl") is not None:
        out["proxy_url"] = string(obj, "proxyUrl")
    if opt_string(obj, "noProxy") is not None:
        out["no_proxy"] = string(obj, "noProxy")
    from_env = opt_bool(obj, "proxyFromEnvironment")
    if from_env is not None:
        out["proxy_from_environment"] = from_env
    headers = mapping(obj, "proxyConnectHeader")
    if headers:
        out["proxy_connect_header"] = {
            name: [resolver.secret(sel if isinstance(sel, Mapping) else {}) for sel in seq(headers, name)]
            for name in sorted(headers)
        }
    return out


def render_oauth2(resolver: Resolver, oauth2: Mapping[str, Any]) -> Job:
    out: Job = {
        "client_id": resolver.secret_or_configmap(mapping(oauth2, "clientId")),
        "client_secret": resolver.secret(mapping(oauth2, "clientSecret")),
        "token_url": string(oauth2, "tokenUrl"),
    }
    scopes = strings(oauth2, "scopes")
    if scopes:
        out["scopes"] = scopes
    params = mapping(oauth2, "endpointParams")
    if params:
        out["endpoint_params"] = {str(k): str(params[k]) for k in sorted(params)}
    out.update(render_proxy(resolver, oauth2))
    tls = opt_mapping(oauth2, "tlsConfig")
    if tls is not None:
        out["tls_config"] = render_tls(resolver, tls)
    return out
