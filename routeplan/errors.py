"""Exceptions raised by routeplan for problems with the user's input."""

from __future__ import annotations


class InputError(ValueError):
    """A problem with user input: a file, a scenario value or a layer feature.

    The message is one line that names the file, the row or feature and, where possible, the fix.
    The CLI prints it and exits with status 2 instead of showing a traceback.
    """


class NetworkError(RuntimeError):
    """A public OSM service could not be reached or answered with garbage."""


def one_line(exc: BaseException, limit: int = 300) -> str:
    """The first non-blank line of ``exc``'s message (at most ``limit`` characters), or its type's name.

    Parameters
    ----------
    exc
        An exception raised by a library (a parser, a reader, an HTTP client).
    limit
        Longest text returned.

    Returns
    -------
    str
        Text to place inside a one-line :class:`InputError` or :class:`NetworkError` message.
    """
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()[:limit]
    return type(exc).__name__
