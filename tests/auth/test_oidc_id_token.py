"""The ID token's checks (OIDC Core §3.1.3.7) against the real provider's discovery document and keys: a token is
believed only when its signature, issuer, audience, expiry and nonce all hold. The tokens are signed with the
provider's own key (tests/auth/idp.py gives it to the provider), so each test breaks exactly one thing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from citybrain.auth.oidc_client import Provider, ProviderRefused
from citybrain.core.settings import Settings
from tests.auth import idp

NONCE = "the-nonce-this-sign-in-sent"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with idp.identity_provider(idp.CALLBACK) as found:
        yield found


def _token(issuer: str, key: RSAKey = idp.SIGNING_KEY, **changes: Any) -> str:
    now = int(time.time())
    claims = {"iss": issuer, "sub": "wang", "aud": idp.CLIENT_ID, "exp": now + 300, "iat": now, "nonce": NONCE}
    claims |= changes
    return jwt.encode({"alg": "RS256", "kid": "test-1"}, {k: v for k, v in claims.items() if v is not None}, key)


def _check(settings: Settings, issuer: str, token: str, nonce: str = NONCE) -> dict[str, Any]:
    provider = Provider(idp.oidc_settings(settings, issuer))

    async def check() -> dict[str, Any]:
        return await provider.check_id_token(token, nonce=nonce)

    return anyio.run(check)


def test_a_token_signed_by_the_provider_for_this_client_is_believed(settings: Settings, issuer: str) -> None:
    assert _check(settings, issuer, _token(issuer))["sub"] == "wang"


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"iss": "https://another-provider.example"}, "iss"),
        ({"aud": "another-client"}, "aud"),
        ({"aud": None}, "aud"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
        ({"nonce": "a-nonce-never-sent"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"sub": None}, "sub"),
    ],
)
def test_a_token_with_one_claim_wrong_is_refused(
    settings: Settings, issuer: str, changes: dict[str, Any], names: str
) -> None:
    with pytest.raises(ProviderRefused, match=names) as refused:
        _check(settings, issuer, _token(issuer, **changes))
    assert refused.value.status_code == 401


def test_a_token_signed_by_another_key_is_refused(settings: Settings, issuer: str) -> None:
    impostor = RSAKey.generate_key(2048, parameters={"kid": "test-1"}, private=True)  # same kid, other key
    with pytest.raises(ProviderRefused, match="signature"):
        _check(settings, issuer, _token(issuer, key=impostor))


def test_a_tampered_token_is_refused(settings: Settings, issuer: str) -> None:
    header, payload, signature = _token(issuer).split(".")
    forged = _token(issuer, sub="li").split(".")[1]  # li's claims under wang's signature
    with pytest.raises(ProviderRefused, match="signature"):
        _check(settings, issuer, f"{header}.{forged}.{signature}")


def test_an_unsigned_token_is_refused(settings: Settings, issuer: str) -> None:
    header, payload, _signature = _token(issuer).split(".")
    unsigned = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    with pytest.raises(ProviderRefused):
        _check(settings, issuer, f"{unsigned}.{payload}.")
