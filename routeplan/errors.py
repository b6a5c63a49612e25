"""Exceptions raised by routeplan for problems with the user's input."""

from __future__ import annotations


class InputError(ValueError):
    """A problem with user input: a file, a scenario value or a layer feature.

    The message is one line that names the file, the row or feature and, where possible, the fix.
    The CLI prints it and exits with status 2 instead of showing a traceback.
    """


class NetworkError(RuntimeError):
    """A public OSM service could not be reached or answered with garbage."""
