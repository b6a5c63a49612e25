"""Limits and defaults of the web workspace (``routeplan serve``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: Roles a user can have. ``admin`` and ``commander`` may approve plans; ``officer`` sees only their unit's briefings.
ROLES = ("admin", "commander", "planner", "analyst", "officer")
#: Roles that may create and edit scenarios and start plans.
PLANNERS = ("admin", "planner")
#: Roles that may approve a plan.
APPROVERS = ("admin", "commander")
#: Roles that may read every scenario and plan (officers see their unit's briefings only).
READERS = ("admin", "commander", "planner", "analyst")

#: Largest GPX track an officer may upload, bytes (a day at one point per second is about 5 MB).
MAX_TRACK_BYTES = 10 * 1024 * 1024

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@dataclass
class ServeConfig:
    """Settings of one running workspace.

    Parameters
    ----------
    data
        The data folder: the SQLite database, scenario folders and plan folders live here.
    db_url
        SQLAlchemy URL; default ``sqlite:///DATA/routeplan.db``.
    """

    data: Path
    db_url: str = ""
    #: Largest accepted upload (a zipped scenario folder), bytes.
    max_upload_bytes: int = 50 * 1024 * 1024
    #: Largest total size of the files in an uploaded zip, bytes (zip bombs).
    max_unzipped_bytes: int = 300 * 1024 * 1024
    #: Most files in an uploaded zip.
    max_zip_files: int = 200
    #: Session cookie lifetime, seconds.
    session_seconds: int = 12 * 3600
    #: Failed logins of one user name inside ``throttle_seconds`` before logins are refused.
    max_failed_logins: int = 5
    #: Failed logins from one address (many users may share an office's address) before it is refused.
    max_failed_logins_per_address: int = 50
    throttle_seconds: int = 15 * 60
    #: Worker processes for plan jobs.
    workers: int = 1
    #: A Dask scheduler (``tcp://host:8786``) to run plan jobs on instead of the process pool ("" = the pool).
    #: Its workers must reach the database and see the data folder at the same path.
    scheduler: str = ""
    #: Bounds of a plan job's search.
    max_time_limit: float = 3600.0
    max_iterations: int = 1_000_000
    #: Cookie ``Secure`` flag (set behind HTTPS).
    secure_cookies: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data = Path(self.data).resolve()
        if not self.db_url:
            self.db_url = f"sqlite:///{self.data / 'routeplan.db'}"

    @property
    def plans_dir(self) -> Path:
        return self.data / "plans"

    @property
    def scenarios_dir(self) -> Path:
        return self.data / "scenarios"
