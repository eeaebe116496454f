"""The one place that checks what a request carries before anything reads
it: path segments, query parameters, the noauth token and JSON bodies.

Everything a request sends ends up compared with, or stored in, a database
column. Whatever no column can hold is refused here with a 400 naming the
part that is wrong, so that no request reaches the database with it (where
it was a 500: PostgreSQL refuses NUL characters, integers beyond its
column type and strings longer than their column):

- a NUL character, a lone surrogate or bytes that are not UTF-8, anywhere;
- a path segment or query value longer than any id or name column (255);
- an integer query parameter (``limit``, ``offset``) that is not a
  non-negative signed 64-bit integer, and pecan's ``_method`` override;
- a JSON body nested deeper than ``MAX_DEPTH``, holding an integer beyond
  signed 64 bits, a non-finite number, or a string longer than
  ``MAX_BODY_STRING`` (the request schemas then hold each field to its
  column's length).

The body's size is limited before it is read (middleware.BodySizeLimit);
hooks.InputHook applies these checks to every route.
"""
import json
import math
import urllib.parse

from manila_repl import exception

#: Every id, name and project column is at most this long.
MAX_SEGMENT = 255
MAX_QUERY_VALUE = 255
#: Longest string anywhere in a body; schemas hold fields to their columns.
MAX_BODY_STRING = 4096
#: Deepest nesting of a body: ours are at most four levels deep.
MAX_DEPTH = 32
INT64_MAX = 2 ** 63 - 1
INT64_MIN = -2 ** 63
#: Query parameters that must be non-negative integers.
INTEGER_PARAMS = ('limit', 'offset')


def _invalid(reason):
    return exception.InvalidInput(reason=reason)


def check_text(what, value, limit):
    """``value`` (a str) has no NUL, no lone surrogate, at most ``limit``
    characters."""
    if '\x00' in value:
        raise _invalid('%s contains a NUL character' % what)
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:
        raise _invalid('%s is not valid Unicode (it holds a lone surrogate)'
                       % what)
    if len(value) > limit:
        raise _invalid('%s is longer than %d characters' % (what, limit))


def _utf8(what, raw):
    """WSGI passes the path and query as latin-1 text of the raw bytes."""
    try:
        return raw.encode('latin-1').decode('utf-8')
    except UnicodeError:
        raise _invalid('%s is not UTF-8' % what)


def check_path(path_info):
    """Every segment of the (URL-decoded) path."""
    path = _utf8('the path', path_info or '/')
    for segment in path.split('/'):
        if segment:
            check_text('a path segment', segment, MAX_SEGMENT)


def check_query(query_string):
    """Every name and value of the query string."""
    if not query_string:
        return
    query = _utf8('the query string', query_string)
    try:
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True,
                                       encoding='utf-8', errors='strict')
    except UnicodeError:
        raise _invalid('the query string is not UTF-8')
    for name, value in pairs:
        if name == '_method':
            # pecan would route the request as that method instead.
            raise _invalid('the _method query parameter is not supported: '
                           'send the HTTP method itself')
        check_text('a query parameter name', name, MAX_QUERY_VALUE)
        check_text('query parameter %s' % name[:50], value, MAX_QUERY_VALUE)
        if name in INTEGER_PARAMS and value != '':
            integer(name, value, minimum=0)


def integer(name, value, minimum=INT64_MIN, maximum=INT64_MAX):
    """``value`` (text or int) as an int in [minimum, maximum], or 400."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise _invalid('%s must be an integer, not %r' % (name, value))
    if number < minimum:
        raise _invalid('%s must be at least %d' % (name, minimum))
    if number > maximum:
        raise _invalid('%s must be at most %d' % (name, maximum))
    return number


def check_token_part(what, value):
    check_text(what, value, MAX_SEGMENT)


def _no_constants(name):
    raise _invalid('the request body holds %s, which is not a JSON number'
                   % name)


def parse_json(raw):
    """The body's JSON, checked; 400 for anything no column can hold."""
    try:
        body = json.loads(raw, parse_constant=_no_constants)
    except RecursionError:
        raise _invalid('the request body is nested too deeply')
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid('malformed request body, not JSON: %s' % exc)
    check_json(body)
    return body


def check_json(body):
    """Walk a parsed body (without recursion: it may be deep)."""
    pending = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            check_text('a string in the request body', value,
                       MAX_BODY_STRING)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if not INT64_MIN <= value <= INT64_MAX:
                raise _invalid('an integer in the request body is beyond '
                               'the 64-bit range')
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise _invalid('a number in the request body is too large')
        else:
            if depth > MAX_DEPTH:
                raise _invalid('the request body is nested more than %d '
                               'levels deep' % MAX_DEPTH)
            if isinstance(value, dict):
                for key, item in value.items():
                    check_text('a key in the request body', key,
                               MAX_SEGMENT)
                    pending.append((item, depth + 1))
            else:
                pending.extend((item, depth + 1) for item in value)
