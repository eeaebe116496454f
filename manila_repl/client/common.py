"""Helpers shared by the command modules: finding resources by name or id,
key=value options, and columns that format for people or machines."""
import datetime

from cliff import columns

from manila_repl.client import http


class DictColumn(columns.FormattableColumn):
    """``key='value', ...`` in a table; the mapping in json/yaml."""

    def human_readable(self):
        return ', '.join('%s=%s' % (k, v)
                         for k, v in sorted((self._value or {}).items()))

    def machine_readable(self):
        return dict(self._value or {})


class ListColumn(columns.FormattableColumn):
    """One item a line in a table; the list in json/yaml."""

    def human_readable(self):
        return '\n'.join(str(v) for v in self._value or ())

    def machine_readable(self):
        return list(self._value or ())


def parse_time(value):
    """Manila's timestamps: ISO 8601 in UTC, without a zone."""
    if not value:
        return None
    parsed = datetime.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def age(value, now=None):
    """'4s ago', '3m12s ago', '2h05m ago', '3d04h ago'."""
    when = parse_time(value)
    if when is None:
        return None
    now = now or datetime.datetime.now(datetime.UTC)
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return '%ds ago' % seconds
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return '%dm%02ds ago' % (minutes, seconds)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return '%dh%02dm ago' % (hours, minutes)
    days, hours = divmod(hours, 24)
    return '%dd%02dh ago' % (days, hours)


class LastSyncColumn(columns.FormattableColumn):
    """The time since a replica's last successful sync.

    The value is ``(replica_state, last_sync_at)``. A table shows the age
    ('12s ago'; 'never' for a replica that has not synced yet; '-' for the
    active replica, the source of every sync); json, yaml and value show
    the timestamp (null for the active replica).
    """

    def human_readable(self):
        state, last_sync_at = self._value
        if state == 'active':
            return '-'
        return age(last_sync_at) or 'never'

    def machine_readable(self):
        state, last_sync_at = self._value
        return None if state == 'active' else last_sync_at


def parse_properties(items, option='--property'):
    """['k=v', ...] -> {'k': 'v', ...}."""
    result = {}
    for item in items or ():
        key, sep, value = item.partition('=')
        if not sep or not key:
            raise http.ClientError('%s expects KEY=VALUE, not %r'
                                   % (option, item))
        result[key] = value
    return result


def find(session, collection, singular, name_or_id, list_path=None,
         plural=None):
    """A resource by id, else by name (exactly one must match)."""
    try:
        return session.get('/%s/%s' % (collection, name_or_id))[singular]
    except http.NotFound:
        if list_path is None:
            raise
    plural = plural or collection.replace('-', '_')
    items = [item for item in session.get(list_path)[plural]
             if item.get('name') == name_or_id]
    if not items:
        raise http.NotFound('no %s with a name or ID of %r exists'
                            % (singular.replace('_', ' '), name_or_id))
    if len(items) > 1:
        raise http.ClientError('more than one %s is named %r; use its ID'
                               % (singular.replace('_', ' '), name_or_id))
    return items[0]


def find_share(session, name_or_id):
    return find(session, 'shares', 'share', name_or_id, '/shares/detail')


def find_type(session, name_or_id):
    return find(session, 'types', 'share_type', name_or_id, '/types',
                'share_types')


def show(resource, order=None, formatters=None):
    """(names, values) for a ShowOne, keys sorted unless ``order``."""
    formatters = formatters or {}
    names = order or sorted(resource)
    values = []
    for name in names:
        value = resource.get(name)
        if name in formatters:
            value = formatters[name](value)
        elif isinstance(value, dict):
            value = DictColumn(value)
        elif isinstance(value, list):
            value = ListColumn(value)
        values.append(value)
    return tuple(names), tuple(values)


def rows(items, keys):
    return (tuple(item.get(k) for k in keys) for item in items)
