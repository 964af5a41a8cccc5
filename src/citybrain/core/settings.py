"""Typed settings, declared once.

Each field's ``description`` is the documentation: ``citybrain settings`` prints them and
``docs/settings.md`` is checked against them by a test. Nothing reads the environment at import time;
call :func:`load_settings` where a command or the app starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from citybrain.core.errors import InvalidInput


class Settings(BaseSettings):
    """Every setting can be given as an environment variable ``CITYBRAIN_<NAME>`` (upper case)."""

    model_config = SettingsConfigDict(env_prefix="CITYBRAIN_", extra="ignore")

    database_url: str = Field(
        default="",
        description=(
            "SQLAlchemy URL of the operations database. Empty means a SQLite file in data_dir. "
            "PostgreSQL: postgresql+psycopg://user@host:5432/dbname"
        ),
    )
    data_dir: Path = Field(
        default=Path("var"),
        description="Folder for the embedded SQLite database, import reports and exports.",
    )
    timezone: str = Field(
        default="Asia/Shanghai",
        description=(
            "The city's time zone (an IANA name): naive times in imported files are read in it, reports and pages "
            "group and show times by it (the desk's labels carry it as zone). An unknown name is an error, never a "
            "guessed offset."
        ),
    )
    jurisdiction_id: str = Field(
        default="citybrain.local",
        description="Open311 jurisdiction_id this server answers for; requests naming another get 404.",
    )
    language: str = Field(default="zh-CN", description="Default language of messages and names: zh-CN or en.")
    open311_max_page_size: int = Field(
        default=1000,
        ge=1,
        le=10000,
        description="Largest page_size an Open311 GET requests call may ask for.",
    )
    open311_default_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Open311 GET requests without dates returns this many last days.",
    )
    remind_fraction: float = Field(
        default=0.8,
        gt=0,
        lt=1,
        description="A reminder (催办) is raised when this share of a case's time to its deadline has passed.",
    )
    escalate_after_hours: float = Field(
        default=0.0,
        ge=0,
        description="Escalation (督办) is raised this many hours after a deadline passes (0 = at once).",
    )
    sqlite_synchronous: str = Field(
        default="FULL",
        pattern="^(FULL|NORMAL|EXTRA)$",
        description="SQLite synchronous pragma. FULL makes every acknowledged commit durable across power loss.",
    )
    directory_refresh_seconds: float = Field(
        default=1.0,
        ge=0,
        le=3600,
        description=(
            "Open311 intake keeps the directory (services, routing rules, SLA classes) in memory and re-reads it "
            "at most this often: a directory change reaches new Open311 requests within this many seconds."
        ),
    )
    intake_max_batch: int = Field(
        default=64,
        ge=1,
        le=1000,
        description="Most Open311 requests the intake writer commits in one transaction (group commit).",
    )
    intake_writers: int = Field(
        default=2,
        ge=1,
        le=16,
        description="Intake writer threads per server process on PostgreSQL (SQLite always has one writer).",
    )
    idempotency_key_hours: float = Field(
        default=24.0,
        gt=0,
        le=24 * 30,
        allow_inf_nan=False,
        description=(
            "How long the first answer to a POST with an Idempotency-Key is kept: a retry with the same key "
            "within this many hours gets it back instead of creating a second case."
        ),
    )
    idempotency_lease_seconds: int = Field(
        default=60,
        ge=1,
        le=3600,
        description=(
            "How long a request holds its Idempotency-Key while it is carried out: a retry meanwhile gets 409; "
            "after this (the server died before creating anything) the retry carries it out."
        ),
    )
    echo_sql: bool = Field(default=False, description="Log every SQL statement (debugging only).")
    public_location_m: float = Field(
        default=100.0,
        ge=0,
        allow_inf_nan=False,
        description=(
            "公开位置精度（米）：Open311 GET 等公开输出中案件的经纬度取所在约这么大方格的中心，以免暴露市民住址 / "
            "Public location precision (metres): public outputs (Open311 GET) show a case's lat/long as the centre "
            "of the square cell of about this size that holds it, so the point does not reveal a citizen's door. "
            "0 = exact. Staff APIs always show the exact point."
        ),
    )
    redis_url: str = Field(
        default="",
        description=(
            "Redis for budgets shared by every server process (redis://127.0.0.1:6379/0): the API-key and wrong-key "
            "rate limits. Empty = each process counts on its own."
        ),
    )
    api_key_requests_per_minute: int = Field(
        default=120,
        ge=0,
        le=10_000_000,
        description=(
            "Requests one API key may make in any rolling minute, unless the key has its own limit "
            "(`citybrain apikey limit`); more get 429 with Retry-After. 0 = no limit."
        ),
    )
    bad_keys_per_minute: int = Field(
        default=10,
        ge=0,
        le=1_000_000,
        description=(
            "Wrong or revoked API keys one client address may present in any rolling minute; after that every "
            "request of that address that presents a key gets 429 until the minute has room. 0 = no limit."
        ),
    )
    pii_reason_required: bool = Field(
        default=False,
        description=(
            "查看市民个人信息须说明理由 / Unmasked personal data only with a reason: a caller allowed to see it "
            "(operator, department, admin) who gives no `reason` (query parameter) or `X-Access-Reason` header "
            "gets the case masked, as a supervisor does. Every unmasked read is written to the access log "
            "either way."
        ),
    )
    pii_retention_days: int = Field(
        default=0,
        ge=0,
        le=36500,
        description=(
            "个人信息保存期限（天）/ Days a closed case keeps the citizen's personal data (name, phone, e-mail, "
            "ID number, door number, and the same written in its texts): `citybrain privacy purge` removes it "
            "from cases closed longer ago; the statistics stay. 0 = kept until purged by hand with --days."
        ),
    )
    portal_api_key: SecretStr = Field(
        default=SecretStr(""),
        description=(
            "API key (role app) with which the citizens' portal (/portal) files what citizens submit there, "
            "through the same intake as Open311; kept on the server, never sent to the browser. "
            "Empty = the portal's submit form is closed (following and supervising still work)."
        ),
    )
    portal_submits_per_hour: int = Field(
        default=20,
        ge=0,
        description=(
            "市民门户每个客户端地址每小时（滑动窗口）最多提交这么多条诉求，超出返回 429 / The citizens' portal "
            "takes at most this many submissions per client address in any hour (sliding window); more get 429 "
            "with Retry-After. Only accepted submissions count. Per server process. 0 = no limit."
        ),
    )
    portal_voices_per_hour: int = Field(
        default=30,
        ge=0,
        description=(
            "市民门户每个客户端地址每小时（滑动窗口）最多“我也遇到”和留言这么多次，超出返回 429 / The citizens' "
            "portal takes at most this many me-toos and comments together per client address in any hour (sliding "
            "window); more get 429 with Retry-After. Refused ones do not count. Per server process. 0 = no limit."
        ),
    )
    classify_model_path: Path | None = Field(
        default=None,
        description=(
            "Classifier model that reads new cases at intake (triage); empty = <data_dir>/classify/model.npz. "
            "Without the file, cases are still routed by the citizen's service_code; the rest wait for a person."
        ),
    )
    triage_confidence_threshold: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description=(
            "The city's confidence threshold: a case the model reads with less confidence goes to the human "
            "dispatch queue (人工派单). 0 = the threshold the model chose at training."
        ),
    )
    dedup_window_days: float = Field(
        default=7.0, gt=0, le=365, description="Repeats (重复件) are looked for among open cases this many days back."
    )
    dedup_distance_m: float = Field(
        default=500.0,
        gt=0,
        description="Repeats must lie within this many metres of each other (when both have a place).",
    )
    dedup_index_max_cases: int = Field(
        default=20_000,
        ge=100,
        description=(
            "The repeat index holds at most this many open cases per server process (about 1.2 KB each): when its "
            "newer half is full the older half is dropped, so older open cases are not suggested as repeat targets."
        ),
    )
    dedup_min_similarity: float = Field(
        default=0.3, gt=0, le=1, description="Least text similarity (Jaccard of character shingles) of a repeat."
    )
    alert_webhook_url: str = Field(
        default="",
        description="Alerts are POSTed as JSON to this URL after they are committed (empty = no webhook).",
    )
    alert_smtp_host: str = Field(default="", description="SMTP server that e-mails alerts (empty = no e-mail).")
    alert_smtp_port: int = Field(
        default=587, ge=1, le=65535, description="Port of the SMTP server for alert e-mail (587 submission, 465 TLS)."
    )
    alert_smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description=(
            "How alert e-mail is protected on the way to the SMTP server: starttls (upgrade the connection; refused "
            "if the server does not offer it), tls (TLS from the first byte, port 465) or none (a plain relay on a "
            "trusted network; never with a password)."
        ),
    )
    alert_smtp_username: str = Field(default="", description="SMTP login for alert e-mail (empty = no login).")
    alert_smtp_password: SecretStr = Field(
        default=SecretStr(""), description="SMTP password for alert e-mail; sent only over TLS."
    )
    alert_smtp_ca_file: str = Field(
        default="",
        description="PEM file of the certificate authority the SMTP server's certificate is checked against "
        "(a city's own CA); empty = the system's trusted CAs.",
    )
    alert_email_from: str = Field(default="citybrain@localhost", description="Sender address of alert e-mail.")
    alert_email_to: str = Field(
        default="", description="Recipients of alert e-mail, comma-separated (empty = no e-mail)."
    )
    alert_notify_timeout_seconds: float = Field(
        default=10.0, gt=0, le=300, description="Time limit of one webhook call or SMTP conversation for an alert."
    )
    alert_notify_attempts: int = Field(
        default=3, ge=1, le=10, description="Tries per alert notification before it is recorded as failed."
    )

    sta_read_requires_key: bool = Field(
        default=False,
        description=(
            "SensorThings reads (GET /sta/v1.1/…) need an API key of any role; false = readable by anyone. "
            "Writes always need a key of role sensor or admin."
        ),
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        le=1_073_741_824,
        description=(
            "请求体上限（字节），超出返回 413 / The largest request body (bytes) the server reads on any route but "
            "SensorThings: a larger declared Content-Length is answered 413 before the body is read, a streamed "
            "body is cut off at the limit. Open311 and portal forms and staff JSON are a few kB."
        ),
    )
    max_body_bytes_sensing: int = Field(
        default=16_777_216,
        ge=1024,
        le=1_073_741_824,
        description=(
            "The largest request body (bytes) under /sta/v1.1 (SensorThings), where a CreateObservations "
            "dataArray carries many Observations at once; 413 above it."
        ),
    )
    trusted_proxies: str = Field(
        default="",
        description=(
            "Comma-separated addresses of reverse proxies whose X-Forwarded-Proto header is believed; a request "
            "that arrived over https (directly or through one of them) gets Strict-Transport-Security. Empty = "
            "only the server's own scheme counts."
        ),
    )
    kpi_max_cells: int = Field(
        default=20_000,
        ge=1,
        le=10_000_000,
        description=(
            "The most rows (groups × periods) one /api/v1/kpis answer may have; a request that would give more "
            "gets 422 naming how many it asked for and how to narrow it (fewer by dimensions, a coarser period, "
            "a shorter range, a filter)."
        ),
    )
    case_list_count_limit: int = Field(
        default=10_000,
        ge=0,
        le=100_000_000,
        description=(
            "The staff case list counts matching cases up to this many, then says 'more than' (total_exact false): "
            "counting a million closed cases costs far more than the page. 0: always count them all."
        ),
    )
    sta_max_page_size: int = Field(
        default=100,
        ge=1,
        le=100_000,
        description="SensorThings server-side page size: the most entities one response lists; $top above it is cut.",
    )

    sta_public_url: str = Field(
        default="http://127.0.0.1:8311/sta/v1.1",
        description=(
            "The SensorThings service root as clients reach it: the base of @iot.selfLink in the Observations the "
            "MQTT worker creates and publishes (an HTTP request uses its own base URL)."
        ),
    )
    mqtt_host: str = Field(
        default="127.0.0.1",
        description="MQTT broker host: the sensing worker subscribes there and new Observations are published there.",
    )
    mqtt_port: int = Field(default=1883, ge=1, le=65535, description="MQTT broker port (8883 is usual with TLS).")
    mqtt_client_id: str = Field(
        default="citybrain-sensing",
        min_length=1,
        max_length=128,
        description=(
            "Client id of the MQTT ingest worker. Fixed, so that its persistent session (subscriptions and the "
            "messages not yet acknowledged) survives a restart; run one worker per client id."
        ),
    )
    mqtt_username: str = Field(default="", description="MQTT user name (empty = connect without credentials).")
    mqtt_password: SecretStr = Field(default=SecretStr(""), description="MQTT password (with mqtt_username).")
    mqtt_tls: bool = Field(
        default=False, description="Connect to the MQTT broker over TLS (the system's CA certificates verify it)."
    )
    mqtt_tls_ca_file: Path | None = Field(
        default=None, description="CA certificate file for the broker's TLS certificate (empty = the system's)."
    )
    mqtt_topic_prefix: str = Field(
        default="",
        description=(
            "Put before every SensorThings topic (e.g. 'city/' gives city/v1.1/Datastreams(1)/Observations), "
            "on a broker shared with other applications, or per test run; empty = the standard's topics."
        ),
    )
    mqtt_qos: int = Field(default=1, ge=1, le=2, description="QoS of the ingest subscription and of what is published.")
    mqtt_session_expiry_seconds: int = Field(
        default=7 * 24 * 3600,
        ge=60,
        description=("How long the broker keeps the worker's session (and queues messages for it) while it is away."),
    )
    mqtt_batch_size: int = Field(
        default=500,
        ge=1,
        le=10_000,
        description="Most MQTT messages the worker stores in one transaction before acknowledging them all.",
    )
    cockpit_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description=(
            "How long the cockpit serves a kept answer as fresh; after that the kept one is still sent at once while "
            "a new one is computed in the background. 0: every request asks for a new computation."
        ),
    )
    server_threads: int = Field(
        default=40,
        ge=1,
        le=1000,
        description=(
            "Threads per server process for the API's blocking work (database reads and writes, rendering): "
            "at most this many requests are worked on at once, the rest wait for a thread. More lets more reads "
            "wait on the database side by side; fewer lets the thread holding SQLite's writer get the "
            "interpreter back sooner when the process is busy (docs/benchmarks.md, soak)."
        ),
    )
    cockpit_warm_at_start: bool = Field(
        default=True,
        description=(
            "When the server starts, bring the cases' daily roll-up up to date and compute the cockpit's default "
            "screen (the last 30 days, no filter) in the background, so the first screen after a restart is "
            "served kept. Off: both wait for the first visitor."
        ),
    )
    freeze_heap_at_start: bool = Field(
        default=True,
        description=(
            "Once the server has started, collect garbage once and move every surviving object into the collector's "
            "permanent generation (gc.freeze), so later full collections skip the ~320,000 import-time objects (a "
            "200 ms pause each, the Open311 p99 before). Off: for a process that starts and stops many servers, "
            "where the collection at each start costs more than it saves (the test suite)."
        ),
    )
    knowledge_warm_at_start: bool = Field(
        default=True,
        description=(
            "When the server starts, build the smart answers' search index of the published knowledge items in the "
            "background (jieba segments every item once: about 2 s per 1,000 items on a busy 2-core machine), so "
            "the first question after a restart does not wait for it. Off: the first search builds it."
        ),
    )
    mqtt_publish: bool = Field(
        default=True,
        description=(
            "Publish every new Observation (HTTP, CreateObservations, MQTT) to its Datastream's topic after commit. "
            "Best effort: with no broker answering, writes still succeed and the failure is logged."
        ),
    )
    mqtt_worker_in_server: bool = Field(
        default=False,
        description=(
            "Run the MQTT ingest worker inside the web server process (what `citybrain serve --mqtt` sets); "
            "one per deployment, so only with a single server process."
        ),
    )
    mqtt_dedupe_hours: float = Field(
        default=72.0,
        gt=0,
        description=(
            "How long the worker remembers a message's content key: the same message (same Datastream, same JSON) "
            "received again within this time is not a second Observation."
        ),
    )

    session_idle_minutes: float = Field(
        default=30.0,
        gt=0,
        le=7 * 24 * 60,
        description="A staff sign-in session unused for this many minutes ends (idle expiry); then one signs in again.",
    )
    session_absolute_hours: float = Field(
        default=12.0,
        gt=0,
        le=30 * 24,
        description="A staff sign-in session ends this many hours after sign-in, however busy (absolute expiry).",
    )
    session_cookie_secure: bool = Field(
        default=True,
        description=(
            "Mark the session cookie Secure (sent over HTTPS only). Browsers also send Secure cookies to "
            "http://localhost and http://127.0.0.1, so the local demo works with it on; false only for a plain-HTTP "
            "server reached by another name (a test bench), never in production."
        ),
    )
    sign_in_max_failures: int = Field(
        default=5,
        ge=1,
        le=1000,
        description=(
            "Failed sign-ins allowed per user name within sign_in_window_minutes; more are refused with 429 and "
            "Retry-After until the oldest failure leaves the window. Shared by every server process (database)."
        ),
    )
    sign_in_max_failures_per_address: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="Failed sign-ins allowed per client address within sign_in_window_minutes (any user names).",
    )
    sign_in_window_minutes: float = Field(
        default=15.0, gt=0, le=24 * 60, description="The window over which failed sign-ins are counted."
    )
    password_min_length: int = Field(
        default=10,
        ge=8,
        le=128,
        description="Shortest password a staff account may have (at most 128 characters; not the user name).",
    )
    parking_duplicate_seconds: int = Field(
        default=120,
        ge=0,
        le=3600,
        description=(
            "A second read of one pass: the same car park, direction and plate (look-alikes included) within this "
            "many seconds is kept as a duplicate and opens or closes nothing."
        ),
    )
    parking_min_match_confidence: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description=(
            "The lowest confidence at which an exit read is paired with an entry of a look-alike or another "
            "province's plate (1 − 0.15 per look-alike character − 0.25 for the province); below it the exit waits "
            "for a person."
        ),
    )
    parking_overstay_hours: float = Field(
        default=72,
        gt=0,
        description="An open parking session older than this is flagged overstay (never closed) for staff.",
    )
    parking_arrears_block_fen: int = Field(
        default=0,
        ge=0,
        description=(
            "Unpaid parking bills (fen) from which an entry is answered blocked=true (the gate may refuse it); "
            "the read is stored either way. 0 = never block."
        ),
    )
    parking_future_seconds: int = Field(
        default=300,
        ge=0,
        description="A gate read time more than this many seconds ahead of the server's clock is refused (400).",
    )

    holidays_file: Path | None = Field(
        default=None,
        description=(
            "The city's own working-day calendar (JSON, the shape of core/data/holidays_cn.json): local holidays and "
            "make-up working days on top of China's national ones. Empty = the national calendar only."
        ),
    )
    services_attachment_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1,
        description=(
            "Largest attachment (申请材料) an applicant may upload for an online service, in bytes; a larger one is "
            "refused (413) and nothing is stored."
        ),
    )

    oidc_issuer: str = Field(
        default="",
        description=(
            "统一身份认证 / OIDC sign-in: the identity provider's issuer URL (its discovery document is "
            "<issuer>/.well-known/openid-configuration), e.g. https://sso.city.gov.cn/realms/staff for Keycloak. "
            "Empty = OIDC sign-in is off (/signin/oidc answers 404 and /signin shows only the password form)."
        ),
    )
    oidc_client_id: str = Field(default="", description="This server's client id at the identity provider (OIDC).")
    oidc_client_secret: SecretStr = Field(
        default=SecretStr(""),
        description="The client secret given by the identity provider (OIDC); sent only to its token endpoint.",
    )
    oidc_display_name: str = Field(
        default="统一身份认证 Unified sign-in",
        max_length=80,
        description="The label of the OIDC button on /signin (the name staff know the city's sign-in by).",
    )
    oidc_match_claim: Literal["email", "preferred_username", "sub"] = Field(
        default="email",
        description=(
            "Which claim of the identity provider finds the staff account at the first OIDC sign-in: email (the "
            "account's e-mail, `citybrain user email`), preferred_username (the account's user name) or sub (the "
            "account's user name equals the provider's subject). Afterwards the account is linked to the "
            "provider's iss+sub and found by it. No account is ever created by OIDC."
        ),
    )
    oidc_scopes: str = Field(
        default="openid email profile",
        pattern=r"^openid( [\x21\x23-\x5b\x5d-\x7e]+)*$",
        description="The scopes asked for, space-separated; the first must be openid.",
    )
    oidc_redirect_uri: str = Field(
        default="",
        description=(
            "The callback URL registered at the identity provider, e.g. https://citybrain.city.gov.cn/signin/oidc/"
            "callback. Empty = this server's own address as the request reached it, + /signin/oidc/callback "
            "(set it behind a reverse proxy)."
        ),
    )
    oidc_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="Time limit of each call to the identity provider (OIDC)."
    )

    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description=(
            "Which engine counts the cases for the analyses (associations, hot issues, early warnings, the nightly "
            "job) and the batch KPI reports (report kpis, report monthly): duckdb (in process, one machine) or spark "
            "(PySpark; needs Java 17+). The statistics run in numpy either way and the results are the same; see "
            "docs/scale.md."
        ),
    )
    spark_master: str = Field(
        default="local[*]",
        description=(
            "Spark master URL when engine is spark: local[*] (this machine, every core), local[2], "
            "spark://host:7077 (a standalone cluster) or yarn; sc://host:15002 uses Spark Connect."
        ),
    )
    snapshot_dir: Path | None = Field(
        default=None,
        description=(
            "Folder of the Parquet snapshot of the cases (citybrain export parquet --out DIR). When set, the "
            "analyses that read the live database (analyze daily and the others without --input) read the "
            "snapshot instead, on the chosen engine; refresh it before the nightly job. Empty = the live database."
        ),
    )

    def resolved_database_url(self) -> str:
        """The database URL to use, defaulting to ``<data_dir>/citybrain.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'citybrain.db').as_posix()}"

    def resolved_classify_model_path(self) -> Path:
        """The intake classifier's model file, defaulting to ``<data_dir>/classify/model.npz``."""
        return self.classify_model_path or self.data_dir / "classify" / "model.npz"

    def oidc_enabled(self) -> bool:
        """OIDC sign-in is on when the issuer and the client id are both set."""
        return bool(self.oidc_issuer and self.oidc_client_id)


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment now, with explicit overrides winning.

    A bad value is reported by its environment variable name, so the user knows what to fix.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"CITYBRAIN_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidInput(f"bad setting: {problems}") from None
