"""OIDC sign-in (统一身份认证): a staff member signs in at the city's identity provider instead of typing a password
here, and gets the same server-side session as a password sign-in (:func:`citybrain.auth.sessions.open_for`).

``begin`` keeps what the callback must check — a hash of ``state``, the ``nonce``, the PKCE ``code_verifier``, the
page to go on to, and a hash of a cookie that binds the sign-in to this browser — in ``oidc_flows`` for
:data:`FLOW_MINUTES`; ``finish`` takes that row (once: a replay finds nothing), has the provider's answer checked
(:mod:`citybrain.auth.oidc_client`), finds the staff account — by the provider's ``iss``+``sub`` once linked, else by
the configured claim, linking it then — and opens the session. OIDC never creates an account. Every refusal is
counted like a wrong password (:mod:`citybrain.auth.throttle`, per client address) and leaves no session — but for
the provider not answering, which is not the person's failure.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from anyio import to_thread
from sqlalchemy.orm import Session

from citybrain.auth import account_repository as accounts_repo
from citybrain.auth import oidc_repository as repo
from citybrain.auth import sessions, throttle
from citybrain.auth.accounts import normal_username
from citybrain.auth.oidc_client import Identity, Provider, ProviderRefused, ProviderUnreachable
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.errors import CityBrainError, Forbidden, InvalidInput
from citybrain.core.ids import hash_secret, new_token
from citybrain.models import OidcFlow, OidcLink, StaffUser

#: A sign-in started at the provider must come back within this many minutes.
FLOW_MINUTES = 10

STALE = "登录请求无效或已过期，请重新登录 / this sign-in is unknown, already used or expired: start again at /signin"
DECLINED = "统一身份认证未完成登录（{error}）/ the identity provider did not sign you in ({error})"
UNKNOWN = ("统一身份认证的账号没有对应的本系统员工账号，请联系系统管理员 / no staff account here matches the identity "
           "provider's account: ask an administrator")  # fmt: skip
DISABLED = "该员工账号已停用 / this staff account is disabled"
TAKEN = ("该员工账号已关联统一身份认证的另一个人 / this staff account is linked to another person at the identity "
         "provider: ask an administrator")  # fmt: skip


@dataclass(frozen=True)
class Started:
    url: str  # the provider's authorization URL to send the browser to
    browser: str  # the binding cookie's value: given to the browser once, only its hash is stored


@dataclass(frozen=True)
class Finished:
    signed: sessions.SignedIn
    next_url: str


async def begin(db: Database, provider: Provider, *, next_url: str, redirect_uri: str, address: str) -> Started:
    """Start a sign-in at the provider (429 while this address has too many recent failures)."""
    await to_thread.run_sync(_check_address, db, address)
    state, nonce, verifier, browser = new_token(32), new_token(32), new_token(48), new_token(32)
    url = await provider.authorization_url(redirect_uri=redirect_uri, state=state, nonce=nonce, code_verifier=verifier)
    flow = OidcFlow(state_hash=hash_secret(state), browser_hash=hash_secret(browser), nonce=nonce,
                    code_verifier=verifier, next_url=next_url, created_at=clock.utcnow())  # fmt: skip
    await to_thread.run_sync(_store, db, flow)
    return Started(url=url, browser=browser)


async def finish(db: Database, provider: Provider, *, answer: dict[str, str], browser: str, redirect_uri: str,
                 address: str) -> Finished:  # fmt: skip
    """The provider's answer (the callback's query) → a session; any refusal is counted, then raised."""
    await to_thread.run_sync(_check_address, db, address)
    label = "oidc"
    try:
        if answer.get("error"):
            error = "".join(ch for ch in answer["error"] if ch.isprintable())[:100]
            raise ProviderRefused(DECLINED.format(error=error), code="oidc_declined")
        flow = await to_thread.run_sync(_take, db, answer.get("state", ""), browser)
        issuer = (await provider.metadata())["issuer"]
        if answer.get("iss") not in (None, issuer):  # RFC 9207: the answer came from another provider
            raise ProviderRefused(f"{STALE} (iss)", code="oidc_issuer")
        if not answer.get("code"):
            raise InvalidInput(STALE, code="oidc_state")
        identity = await provider.identity(code=answer["code"], redirect_uri=redirect_uri,
                                           code_verifier=flow.code_verifier, nonce=flow.nonce)  # fmt: skip
        label = f"oidc:{identity.claims.get(db.settings.oidc_match_claim, identity.subject)}"
        signed = await to_thread.run_sync(_sign_in, db, identity, address)
    except ProviderUnreachable:
        raise  # an outage of the provider is nobody's failed attempt: counting it would lock out a whole office
    except CityBrainError:
        await to_thread.run_sync(_failed, db, label, address)
        raise
    return Finished(signed=signed, next_url=flow.next_url)


def _check_address(db: Database, address: str) -> None:
    with db.reading() as session:
        throttle.check(session, username=None, address=address, now=clock.utcnow(), settings=db.settings)


def _store(db: Database, flow: OidcFlow) -> None:
    with db.transaction() as session:
        repo.prune_flows(session, before=clock.utcnow() - timedelta(minutes=FLOW_MINUTES))
        repo.add(session, flow)


def _take(db: Database, state: str, browser: str) -> OidcFlow:
    """The sign-in under way for ``state``, removed as it is taken; refused when unknown, used, expired or begun
    in another browser."""
    if not state or not browser:
        raise InvalidInput(STALE, code="oidc_state")
    with db.transaction() as session:
        flow = repo.take_flow(session, hash_secret(state))
    fresh = flow is not None and clock.utcnow() - flow.created_at < timedelta(minutes=FLOW_MINUTES)
    if flow is None or not fresh or not hmac.compare_digest(flow.browser_hash, hash_secret(browser)):
        raise InvalidInput(STALE, code="oidc_state")
    return flow


def _failed(db: Database, label: str, address: str) -> None:
    with db.transaction() as session:
        throttle.failed(session, username=label, address=address, now=clock.utcnow())


def _sign_in(db: Database, identity: Identity, address: str) -> sessions.SignedIn:
    with db.transaction() as session:
        user = repo.linked_user(session, issuer=identity.issuer, subject=identity.subject)
        if user is None:
            user = _matching(session, identity.claims, db.settings.oidc_match_claim)
            if user is None:
                raise Forbidden(UNKNOWN, code="oidc_unknown_account")
            _link(session, user, identity)
        if user.disabled:
            raise Forbidden(DISABLED, code="oidc_disabled_account")
        return sessions.open_for(session, user, address=address, settings=db.settings)


def _matching(session: Session, claims: dict[str, Any], claim: str) -> StaffUser | None:
    value = claims.get(claim)
    if not isinstance(value, str) or not value.strip():
        return None
    if claim == "email":
        if claims.get("email_verified") is False:  # an address the provider has not checked names nobody
            return None
        return accounts_repo.user_by_email(session, value.strip().lower())
    return accounts_repo.user_by_name(session, normal_username(value))


def _link(session: Session, user: StaffUser, identity: Identity) -> None:
    if repo.link_of(session, user_id=user.id, issuer=identity.issuer) is not None:
        raise Forbidden(TAKEN, code="oidc_linked_elsewhere")
    repo.add(session, OidcLink(user_id=user.id, issuer=identity.issuer, subject=identity.subject[:255],
                               linked_at=clock.utcnow()))  # fmt: skip
