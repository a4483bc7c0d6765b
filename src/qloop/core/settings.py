"""Typed settings read from ``QLOOP_*`` environment variables.

Nothing is read at import time: call :func:`get_settings` so tests can build
fresh settings without patching the environment of the whole process.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///qloop.db"


class Settings(BaseSettings):
    """Process-wide configuration; every field can be set as ``QLOOP_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="QLOOP_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    #: signs forms; when empty, qloop generates one on first run and keeps it in the database
    secret_key: str | None = None
    upload_limit_bytes: int = Field(default=200 * 1024 * 1024, ge=1)
    session_hours: float = Field(default=12.0, gt=0)
    #: rows per chunk: small chunks keep the working set in the CPU cache (measured)
    import_chunk_rows: int = Field(default=500, ge=1, le=10_000)
    #: your copy of the severity rules (YAML); empty: the rules shipped with qloop
    severity_rules: Path | None = None
    #: automatic categories less confident than this go to the review queue
    review_threshold: float = Field(default=0.6, ge=0, le=1)
    #: a case on the same serial with the same failure mode this many days after another
    #: is flagged as a possible duplicate
    duplicate_days: int = Field(default=14, ge=0, le=365)
    #: near-identical text from the same customer this many days apart is a duplicate too
    duplicate_text_days: int = Field(default=30, ge=0, le=3650)
    #: how alike two texts must be (0-1, difflib ratio of their normalised text)
    duplicate_similarity: float = Field(default=0.9, gt=0, le=1)
    #: let the learned urgency signal raise grades the rules set too low (never lower them)
    urgency_signal: bool = True
    #: a repair followed by another on the same unit within this many days is a repeat repair
    repeat_days: int = Field(default=30, ge=1, le=3650)
    #: KPI targets for every product (per-product targets are set on the targets page)
    kpi_targets: dict[str, float] = Field(
        default_factory=lambda: {"ftfr": 0.90, "mttr_hours": 24.0, "csat": 0.85}
    )
    #: a KPI worse this many periods in a row raises a trend alert
    trend_periods: int = Field(default=3, ge=2, le=24)
    #: a KPI resting on fewer records than this (repairs, surveys, cases) raises no alert
    alert_min_count: int = Field(default=1, ge=1)
    #: a trend alert also needs its first and last figures to differ at this significance
    #: (1: the textbook rule, any N consecutive worsenings)
    trend_significance: float = Field(default=1.0, gt=0, le=1)
    #: weekly cases above the Poisson limit at this upper-tail probability are emerging
    #: (0.00135: the 3-sigma limit of a u-chart)
    emerging_alpha: float = Field(default=0.00135, gt=0, lt=0.5)
    #: weeks of history a failure mode's baseline rate is taken from
    emerging_history_weeks: int = Field(default=26, ge=4, le=520)
    #: a failure mode with no history raises an alert from this many cases in a week
    emerging_new_cases: int = Field(default=5, ge=1)
    #: the largest evidence file a plan or action keeps, and the largest file (image, PDF) of
    #: a knowledge-base article (default 20 MB)
    evidence_limit_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    #: keep evidence files in this directory (named by their SHA-256) instead of the database
    evidence_dir: Path | None = None
    #: the SMTP server notifications go through; empty: e-mail is off and notifications
    #: wait in the outbox (nothing is lost) until one is configured
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    #: log in with these when set (over STARTTLS or SSL, unless the server is local)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    #: the sender of every notification
    smtp_from: str = "qloop@localhost"
    #: upgrade the connection with STARTTLS (usually port 587)
    smtp_starttls: bool = False
    #: connect over SSL from the start (usually port 465); not together with STARTTLS
    smtp_ssl: bool = False
    smtp_timeout_seconds: float = Field(default=10, gt=0)
    #: a notification that failed this many times is given up (kept, marked failed, logged)
    notify_max_attempts: int = Field(default=8, ge=1)

    @model_validator(mode="after")
    def _one_kind_of_tls(self) -> Settings:
        if self.smtp_ssl and self.smtp_starttls:
            raise ValueError(
                "QLOOP_SMTP_SSL (SSL from the start, port 465) and QLOOP_SMTP_STARTTLS "
                "(upgrade a plain connection, port 587) exclude each other: set one"
            )
        return self


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
