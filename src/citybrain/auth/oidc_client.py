"""Talking to the city's identity provider (统一身份认证) over OpenID Connect: its discovery document and keys, the
authorization URL (code flow, PKCE S256, state, nonce), the code exchange and the ID token's checks — all through
authlib (its httpx client, its OIDC claim rules on joserfc, the JOSE library it is built on).

Nothing here touches the database: :mod:`citybrain.auth.oidc` keeps the sign-in under way and opens the session.
Every failure is a :class:`ProviderRefused` (the provider's answer is not to be believed: 401) or a
:class:`ProviderUnreachable` (502), both carrying a message a person can read.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from citybrain.core.errors import CityBrainError, Unauthorized
from citybrain.core.settings import Settings

#: How long discovery and keys are kept before they are read again (a key the cache lacks is fetched at once).
METADATA_SECONDS = 600
#: Clock difference allowed between the provider and this server when checking exp and iat.
LEEWAY_SECONDS = 60


class ProviderRefused(Unauthorized):
    """The provider's answer fails a check (error parameter, signature, issuer, audience, expiry, nonce)."""


class ProviderUnreachable(CityBrainError):
    status_code = 502


@dataclass(frozen=True)
class Identity:
    """The person the provider vouched for: its issuer and subject, and the claims (ID token, then userinfo)."""

    issuer: str
    subject: str
    claims: dict[str, Any]


@dataclass
class Provider:
    """One identity provider as configured, with its discovery document and keys kept for a few minutes."""

    settings: Settings
    _metadata: dict[str, Any] = field(default_factory=dict)
    _keys: dict[str, Any] = field(default_factory=dict)
    _read_at: float = 0.0

    def _client(self, redirect_uri: str) -> Any:
        """authlib's OAuth 2 client on httpx (it would rather have the httpx2 fork, and says so at every import)."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The httpx module is deprecated")
            from authlib.integrations.httpx_client import AsyncOAuth2Client
        s = self.settings
        return AsyncOAuth2Client(
            client_id=s.oidc_client_id,
            client_secret=s.oidc_client_secret.get_secret_value(),
            scope=s.oidc_scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=s.oidc_timeout_seconds,
        )

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self.settings.oidc_timeout_seconds) as http:
                answer = await http.get(url, headers={"Accept": "application/json"})
                answer.raise_for_status()
                found = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnreachable(_UNREACHABLE.format(detail=f"{url}: {exc}"), code="oidc_unreachable") from None
        if not isinstance(found, dict):
            raise ProviderUnreachable(_UNREACHABLE.format(detail=f"{url} did not answer a JSON object"))
        return found

    async def metadata(self) -> dict[str, Any]:
        """The discovery document; its issuer must be the configured one (OpenID Connect Discovery 1.0 §4.3)."""
        if self._metadata and time.monotonic() - self._read_at < METADATA_SECONDS:
            return self._metadata
        issuer = self.settings.oidc_issuer.rstrip("/")
        found = await self._get_json(issuer + "/.well-known/openid-configuration")
        missing = [k for k in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri") if k not in found]
        if missing or found["issuer"].rstrip("/") != issuer:
            detail = f"the discovery document names issuer {found.get('issuer')!r} or lacks {missing}"
            raise ProviderUnreachable(_UNREACHABLE.format(detail=detail), code="oidc_discovery")
        self._metadata, self._keys, self._read_at = found, {}, time.monotonic()
        return found

    async def _key_set(self, *, fresh: bool = False) -> KeySet:
        if fresh or not self._keys:
            self._keys = await self._get_json((await self.metadata())["jwks_uri"])
        try:
            return KeySet.import_key_set(self._keys)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise ProviderUnreachable(_UNREACHABLE.format(detail=f"its key set is unusable: {exc}")) from None

    async def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        endpoint = (await self.metadata())["authorization_endpoint"]
        async with self._client(redirect_uri) as client:
            url, _state = client.create_authorization_url(
                endpoint, state=state, nonce=nonce, code_verifier=code_verifier
            )
        return str(url)

    async def identity(self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> Identity:
        """Exchange the code for tokens, check the ID token, and read userinfo when the ID token lacks the claim
        that finds the account."""
        metadata = await self.metadata()
        async with self._client(redirect_uri) as client:
            try:
                token = await client.fetch_token(metadata["token_endpoint"], code=code, code_verifier=code_verifier)
            except httpx.HTTPError as exc:
                raise ProviderUnreachable(_UNREACHABLE.format(detail=f"token endpoint: {exc}")) from None
            except (AuthlibBaseError, ValueError) as exc:  # the provider's refusal (invalid_grant …), or not JSON
                raise ProviderRefused(f"{_REFUSED} (token endpoint: {exc})", code="oidc_token") from None
            if not isinstance(token.get("id_token"), str):
                raise ProviderRefused(f"{_REFUSED} (no ID token in the token response)", code="oidc_token")
            claims = await self.check_id_token(token["id_token"], nonce=nonce, access_token=token.get("access_token"))
            if self.settings.oidc_match_claim not in claims and metadata.get("userinfo_endpoint"):
                claims = {**await self._userinfo(client, metadata["userinfo_endpoint"], claims["sub"]), **claims}
        if len(str(claims["sub"])) > 255:  # OIDC Core §2: at most 255 ASCII characters
            raise ProviderRefused(f"{_REFUSED} (sub longer than 255 characters)", code="oidc_id_token")
        return Identity(issuer=str(claims["iss"]), subject=str(claims["sub"]), claims=claims)

    async def check_id_token(self, id_token: str, *, nonce: str, access_token: str | None = None,
                             now: int | None = None) -> dict[str, Any]:  # fmt: skip
        """The ID token's claims once its signature (the provider's keys), iss, aud, azp, exp, iat, nonce and
        at_hash hold; :class:`ProviderRefused` naming the first that does not."""
        metadata = await self.metadata()
        registry = JWSRegistry(algorithms=metadata.get("id_token_signing_alg_values_supported") or ["RS256"])
        try:
            try:
                decoded = jwt.decode(id_token, await self._key_set(), registry=registry)
            except InvalidKeyIdError:  # the provider rolled its keys since they were read
                decoded = jwt.decode(id_token, await self._key_set(fresh=True), registry=registry)
            options = {"iss": {"essential": True, "value": metadata["issuer"]},
                       "aud": {"essential": True, "value": self.settings.oidc_client_id}}  # fmt: skip
            params = {"nonce": nonce, "client_id": self.settings.oidc_client_id, "access_token": access_token}
            claims = CodeIDToken(decoded.claims, decoded.header, options, params)
            claims.validate(now=now if now is not None else int(time.time()), leeway=LEEWAY_SECONDS)
        except (JoseError, ValueError) as exc:
            raise ProviderRefused(f"{_REFUSED} (ID token: {exc})", code="oidc_id_token") from None
        return dict(claims)

    async def _userinfo(self, client: Any, endpoint: str, subject: str) -> dict[str, Any]:
        try:
            answer = await client.get(endpoint)
            answer.raise_for_status()
            found = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnreachable(_UNREACHABLE.format(detail=f"userinfo: {exc}")) from None
        if not isinstance(found, dict) or found.get("sub") != subject:  # OIDC Core §5.3.2: must be the same person
            raise ProviderRefused(f"{_REFUSED} (userinfo names another subject)", code="oidc_userinfo")
        return found


_UNREACHABLE = (
    "统一身份认证暂时无法访问，请稍后再试或用密码登录 / the identity provider could not be reached ({detail})"
)
_REFUSED = "统一身份认证的答复未通过校验，未登录 / the identity provider's answer failed a check: not signed in"
