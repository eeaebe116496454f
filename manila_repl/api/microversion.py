"""Microversions: one list, parsed from the request headers.

Every version we serve is in ``VERSIONS``; the history of what each one
changed is in rest_api_version_history.rst beside this module. A request
asks for a version with ``X-OpenStack-Manila-API-Version: 2.N`` or
``OpenStack-API-Version: shared-file-system 2.N``; none means the minimum.
"""
import functools
import re

import pecan

from manila_repl import exception

HEADER = 'X-OpenStack-Manila-API-Version'
OS_HEADER = 'OpenStack-API-Version'
EXPERIMENTAL_HEADER = 'X-OpenStack-Manila-API-Experimental'
SERVICE_TYPE = 'shared-file-system'
ENVIRON_KEY = 'manila_repl.api_version'

#: (major, minor) of every version served; see rest_api_version_history.
VERSIONS = [(2, minor) for minor in range(96)]
MIN_VERSION = VERSIONS[0]
MAX_VERSION = VERSIONS[-1]

_VERSION_RE = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')


class Version(tuple):
    """A (major, minor) tuple that prints as ``2.N``."""

    def __new__(cls, major, minor):
        return super().__new__(cls, (major, minor))

    def __str__(self):
        return '{}.{}'.format(*self)

    @classmethod
    def parse(cls, text):
        """``"2.N"`` -> Version; ``latest`` -> the maximum."""
        text = text.strip()
        if text.lower() == 'latest':
            return cls(*MAX_VERSION)
        match = _VERSION_RE.match(text)
        if not match:
            raise exception.InvalidInput(
                reason=f'API version {text!r} is not of the form major.minor '
                       '(e.g. 2.11) or "latest"')
        return cls(int(match.group(1)), int(match.group(2)))


def parse(text):
    """A version given as text (``"2.56"``) as a Version."""
    return Version.parse(text)


def requested_text(headers):
    """The version text a request asks for, or None."""
    value = headers.get(HEADER)
    if value:
        return value
    value = headers.get(OS_HEADER)
    if value:
        for item in value.split(','):
            service, _sep, version = item.strip().partition(' ')
            if service.lower() == SERVICE_TYPE and version.strip():
                return version.strip()
    return None


def from_headers(headers):
    """The Version a request asks for: 400 if malformed, 406 if unserved."""
    text = requested_text(headers)
    if text is None:
        return Version(*MIN_VERSION)
    version = Version.parse(text)
    if not (MIN_VERSION <= version <= MAX_VERSION):
        raise exception.VersionNotAcceptable(
            version=str(version), min=str(Version(*MIN_VERSION)),
            max=str(Version(*MAX_VERSION)))
    return version


def experimental(headers):
    value = headers.get(EXPERIMENTAL_HEADER, '')
    return value.strip().lower() in ('true', '1', 'yes')


def current():
    """The version of the request being served."""
    return pecan.request.environ.get(ENVIRON_KEY) or Version(*MIN_VERSION)


def at_least(text):
    return current() >= parse(text)


def api_version(min_version, max_version=None, experimental_until=None):
    """Serve the decorated method only in [min_version, max_version].

    Outside that range the method does not exist: 404. Below
    ``experimental_until`` the request must also send the experimental
    header (``X-OpenStack-Manila-API-Experimental: True``), else 404.
    """
    low = parse(min_version)
    high = parse(max_version) if max_version else None
    ga = parse(experimental_until) if experimental_until else None

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            version = current()
            if version < low or (high is not None and version > high):
                raise exception.VersionNotFound(version=str(version))
            if ga is not None and version < ga and \
                    not experimental(pecan.request.headers):
                raise exception.VersionNotFound(
                    version=f'{version} without the '
                            f'{EXPERIMENTAL_HEADER} header')
            return func(*args, **kwargs)
        return wrapper
    return decorator
