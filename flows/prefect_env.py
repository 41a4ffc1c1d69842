"""The Prefect settings of the service, its server, its runner and its flow runs.

Prefect reads its settings from the environment when it is imported, so the service puts
these in ``os.environ`` before anything imports Prefect, and passes them to its children.
Nothing here imports Prefect.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

SERVER_TRIMMED = {
    # Loopback only, nothing reported to Prefect.
    "PREFECT_SERVER_API_HOST": "127.0.0.1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # Server loops a single-user server does not need (each wakes every few seconds):
    # no work pools or workers (foreman), no schedules (scheduler, late runs), no pause
    # timeouts, no automations (triggers), no cancelled subflows, no concurrency leases.
    "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_REPOSSESSOR_ENABLED": "false",
    # Events are not stored (the UI's event feed stays empty; flow runs, their task runs,
    # states and logs are all there): storing them was a third of the server's CPU per run.
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
}
"""The local server: what it keeps (the API, the UI, task-run and event recording) and
what it leaves off."""

CLIENT = {
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",  # results live in the case database
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
}
"""Every process that runs flows or talks to the API."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def external_api_url() -> str | None:
    """``PREFECT_API_URL`` from the environment: a Prefect server someone else runs."""
    return os.environ.get("PREFECT_API_URL") or None


def local_env(prefect_home: Path, port: int) -> dict[str, str]:
    """Settings for a local server in the home and for its clients (a ``PREFECT_*`` variable
    the user set wins over the trimming defaults)."""
    database = prefect_home / "prefect.db"
    trimmed = {k: os.environ.get(k, v) for k, v in {**SERVER_TRIMMED, **CLIENT}.items()}
    return {
        **trimmed,
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_PROFILES_PATH": str(prefect_home / "profiles.toml"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{database}",
    }


def runner_env(poll_seconds: float) -> dict[str, str]:
    """What Prefect's own runner needs (``runner_mode = subprocess``)."""
    return {"PREFECT_RUNNER_POLL_FREQUENCY": str(max(1, round(poll_seconds)))}
