"""Approval stamped into the briefings a user downloads: HTML pages and PDFs, written by the library.

The plan folder's own ``briefings/`` stays as the planner's run wrote it. What the web workspace serves as
``briefings/...`` is a copy rendered by :func:`routeplan.render.briefing.brief` with a status line — "Disetujui oleh
NAME, TIME" once a commander approved the plan, "Belum disetujui" before — written atomically into a sibling folder
``<plan folder>.briefings/<key>`` (the key is a hash of the line, so a new approval renders anew and the old copy
is removed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
import threading
from pathlib import Path

from routeplan.render.briefing import brief
from routeplan.serve.models import PlanRow

_LOCK = threading.Lock()
log = logging.getLogger(__name__)


def _plan_meta(folder: Path) -> tuple[str, dt.tzinfo | None]:
    """The plan's language and the UTC offset of its times (from its first route's start)."""
    try:
        plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "id", None
    lang = plan.get("language") if isinstance(plan, dict) and plan.get("language") in ("id", "en") else "id"
    try:
        return str(lang), dt.datetime.fromisoformat(plan["routes"][0]["start"]).tzinfo
    except (KeyError, IndexError, TypeError, ValueError):
        return str(lang), None


def approval_text(row: PlanRow, lang: str | None = None) -> str:
    """ "Disetujui oleh NAME, 2026-11-30 18:05 UTC+07:00" (in the plan's own time), or "Belum disetujui"."""
    plan_lang, offset = _plan_meta(Path(row.folder))
    lang = lang or plan_lang
    if not row.approved_by or row.approved_at is None:
        return "Belum disetujui" if lang == "id" else "Not approved yet"
    when = row.approved_at.strftime("%Y-%m-%d %H:%M UTC")
    if offset is not None:  # in the plan's own time (WIB for Kunir), as the briefings' times are
        local = row.approved_at.replace(tzinfo=dt.UTC).astimezone(offset)
        z = local.strftime("%z")
        when = local.strftime("%Y-%m-%d %H:%M ") + f"UTC{z[:3]}:{z[3:]}"
    word = "Disetujui oleh" if lang == "id" else "Approved by"
    return f"{word} {row.approved_by}, {when}"


def stamped_briefings(row: PlanRow) -> Path:
    """The folder of the plan's briefings (HTML and ``pdf/``) carrying its approval line, rendered when missing."""
    folder = Path(row.folder)
    text = approval_text(row)
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    base = folder.with_name(folder.name + ".briefings")
    out = base / key
    with _LOCK:
        if not (out / "index.html").is_file():
            base.mkdir(exist_ok=True)
            brief(folder, out, approval=text)
            for old in base.iterdir():  # earlier stamps of this plan, written here by this function
                if old.name != key and old.is_dir() and not old.is_symlink():
                    shutil.rmtree(old, ignore_errors=True)
    return out


def prerender(row: PlanRow) -> None:
    """Render the stamped briefings in a background thread (after an approval), so downloads need not wait."""
    def run() -> None:
        try:
            stamped_briefings(row)
        except Exception:  # a request renders them again and reports the fault
            log.exception("rendering the approved briefings of plan %s failed", row.id)

    threading.Thread(target=run, name=f"briefings-{row.id}", daemon=True).start()
