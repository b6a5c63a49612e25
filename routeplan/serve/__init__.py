"""``routeplan serve``: the planner's web workspace (FastAPI + uvicorn, SQLAlchemy, Jinja2 pages).

Needs the ``serve`` extra (``pip install 'routeplan[serve]'``). Modules: ``settings`` (limits, roles), ``models``
and ``migrations`` (the schema), ``db`` (engine, migrations at start), ``auth`` (passwords, tokens, sessions,
throttling), ``storage`` (scenario zips, safe paths), ``jobs`` (the process pool), ``service`` (what the API and
the pages do), ``api`` (JSON under ``/api``), ``pages`` and ``templates`` (the HTML), ``app`` (the ASGI app).
"""
