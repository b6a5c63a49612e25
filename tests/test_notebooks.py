"""Execute the notebooks so they never rot."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["weekly_plan.ipynb", "hotspots.ipynb"])
def test_notebook_executes(name, tmp_path):
    path = ROOT / "notebooks" / name
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("name", ["weekly_plan.ipynb", "hotspots.ipynb"])
def test_notebook_uses_the_installed_package_and_cites_what_ships(name):
    """No ``sys.path`` editing (the notebooks use the installed ``routeplan``), and every ``*.md`` they cite is
    in the repository."""
    import re

    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "sys.path" not in code
    shipped: set[str] = set()
    for _top, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "test-artifacts"]  # no venv, no outputs
        shipped.update(files)
    text = "\n".join(c.source for c in nb.cells)
    for cited in set(re.findall(r"[\w./-]*\b[A-Za-z_]+\.md\b", text)):
        if cited.startswith("../shared/"):  # the real data beside the repository, with its own README
            continue
        assert cited.split("/")[-1] in shipped, f"{name} cites {cited}, which is not in the repository"


def _code(name: str) -> str:
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def test_weekly_plan_notebook_uses_the_public_api():
    """The notebook plans through routeplan.plan, which turns snapping problems into unserved visits."""
    code = _code("weekly_plan.ipynb")
    assert "routeplan.plan(" in code and "routeplan.read_plan(" in code
    assert "plan_week" not in code and "routeplan.pipeline" not in code and "routeplan.optimize" not in code


def test_hotspots_notebook_does_not_edit_sys_path():
    code = _code("hotspots.ipynb")
    assert "sys.path.insert" not in code and "sys.path.append" not in code and "import sys" not in code
    assert "routeplan.pipeline" not in code and "routeplan.plan(" in code
