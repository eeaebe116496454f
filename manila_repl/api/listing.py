"""The query string of a list request as a db.listing.Listing.

Manila's list filters per resource, each from the microversion that
brought it: a parameter Manila does not know there is ignored (as Manila
does), an empty one too; a bad value of one it knows is a 400.
``all_tenants`` and ``project_id`` widen or pick the projects listed for
callers the policy lets list every project; for the others they change
nothing (their own project only), so they never reveal another project's
resources.
"""
import ast

from oslo_utils import timeutils
import pecan

from manila_repl.api import input_checks, microversion, validation
from manila_repl.db import listing
from manila_repl import exception
from manila_repl.policies import shares as share_policy
from manila_repl import share_types


def _text(name, value):
    return value


def _bool(name, value):
    return validation.bool_param(name, value)


def _size(name, value):
    return input_checks.integer(name, value, minimum=0, maximum=2 ** 31 - 1)


def _pairs(name, value):
    """``{'k': 'v'}`` (Manila reads these with ast.literal_eval)."""
    try:
        parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        parsed = None
    if not isinstance(parsed, dict) or not all(
            isinstance(v, (str, int, float, bool)) for v in parsed.values()):
        raise exception.InvalidInput(
            reason="%s must be a dictionary such as {'key': 'value'}, not "
                   "%r" % (name, value))
    return {str(k): v for k, v in parsed.items()}


def _time(name, value):
    """An ISO 8601 time (``created_since``), as naive UTC."""
    try:
        return timeutils.normalize_time(timeutils.parse_isotime(value))
    except (ValueError, OverflowError):
        raise exception.InvalidInput(
            reason='Invalid value specified for the query key: %s (an ISO '
                   '8601 time such as 2026-12-03T10:00:00Z)' % name)


def _share_type(name, value):
    """``share_type``: a name or an id; one that does not exist matches
    nothing."""
    try:
        return share_types.get_by_name_or_id(value).id
    except exception.NotFound:
        return '-'


#: Shares' and snapshots' names and descriptions (``~``: a substring).
_NAMES = {
    'name': ('2.0', 'name', _text),
    'display_name': ('2.0', 'name', _text),
    'status': ('2.0', 'status', _text),
    'name~': ('2.36', 'name~', _text),
    'description~': ('2.36', 'description~', _text),
    'description': ('2.36', 'description', _text),
    'display_description': ('2.36', 'description', _text),
}
#: query parameter -> (first microversion, filter of db.listing, parser)
SHARE_FILTERS = {
    **_NAMES,
    'share_type_id': ('2.0', 'share_type_id', _text),
    'volume_type_id': ('2.0', 'share_type_id', _text),
    'share_type': ('2.0', 'share_type_id', _share_type),
    'snapshot_id': ('2.0', 'snapshot_id', _text),
    'host': ('2.0', 'host', _text),
    'share_network_id': ('2.0', 'share_network_id', _text),
    'share_server_id': ('2.0', 'share_server_id', _text),
    'metadata': ('2.0', 'metadata', _pairs),
    'extra_specs': ('2.0', 'extra_specs', _pairs),
    'share_group_id': ('2.31', 'share_group_id', _text),
    'share_group_snapshot_id': ('2.31', 'share_group_snapshot_id', _text),
    'export_location_id': ('2.35', 'export_location_id', _text),
    'export_location_path': ('2.35', 'export_location_path', _text),
    'is_soft_deleted': ('2.69', 'is_soft_deleted', _bool),
}
SNAPSHOT_FILTERS = {
    **_NAMES,
    'share_id': ('2.0', 'share_id', _text),
    'size': ('2.0', 'size', _size),
    'metadata': ('2.73', 'metadata', _pairs),
}
REPLICA_FILTERS = {
    'share_id': ('2.11', 'share_id', _text),
}
MESSAGE_FILTERS = {
    **{key: ('2.37', key, _text) for key in (
        'resource_type', 'resource_id', 'action_id', 'detail_id',
        'message_level', 'request_id', 'project_id')},
    'created_since': ('2.52', 'created_since', _time),
    'created_before': ('2.52', 'created_before', _time),
}
#: The microversion from which ``with_count`` adds ``count`` to a list.
WITH_COUNT = {'shares': '2.42', 'snapshots': '2.79'}
_TABLES = {'shares': SHARE_FILTERS, 'snapshots': SNAPSHOT_FILTERS,
           'replicas': REPLICA_FILTERS, 'messages': MESSAGE_FILTERS}
#: Resources whose administrators see every project's without asking
#: (``all_tenants``), as in Manila.
_ADMIN_SEES_ALL = ('replicas', 'messages')


def _filters(table, params, version):
    found = {}
    for key, value in params.items():
        entry = table.get(key)
        if entry is None or value == '' or version < microversion.parse(
                entry[0]):
            continue
        _first, name, parse = entry
        found[name] = parse(key, value)
    return found


def _wide(ctx, params):
    """(project whose resources to list, or None for all): the caller's,
    unless the policy lets it list every project and it asks to."""
    every = params.get('all_tenants') not in (None, '') and \
        validation.bool_param('all_tenants', params['all_tenants'])
    asked = params.get('project_id')
    if not (every or asked) or not ctx.can(
            share_policy.SHARE_LIST_ALL_PROJECTS, fatal=False):
        return ctx.project_id
    return asked or None


def from_request(ctx, resource, params=None):
    """The Listing a list request of ``resource`` (``shares``,
    ``snapshots``, ``replicas`` or ``messages``) asks for."""
    params = pecan.request.GET if params is None else params
    version = microversion.current()
    limit, offset = validation.limit_offset(params)
    request = listing.Listing(
        filters=_filters(_TABLES[resource], params, version),
        limit=limit, offset=offset,
        sort_key=params.get('sort_key') or None,
        sort_dir=params.get('sort_dir') or None)
    if resource in _ADMIN_SEES_ALL:
        # As share_api.get_replica: administrators see every project's.
        request.project_id = None if ctx.is_admin else ctx.project_id
        return request
    request.project_id = _wide(ctx, params)
    if resource == 'shares' and params.get('is_public') not in (None, ''):
        request.with_public = validation.bool_param('is_public',
                                                    params['is_public'])
    since = WITH_COUNT.get(resource)
    if since and version >= microversion.parse(since) and params.get(
            'with_count') not in (None, ''):
        request.with_count = validation.bool_param('with_count',
                                                   params['with_count'])
    return request
