"""What the REST layer asks of access rules.

A rule is recorded with one map row per instance of its share (state
``queued_to_apply``) in one transaction, under the share's guard against
a promote; then the manager of the share's active instance applies it on
every instance (share/access.py). Denying marks the maps
``queued_to_deny``. The state the API shows for a rule is the worst over
its maps; a share's ``access_rules_status`` is from the maps of its
available instances.
"""
import ipaddress
import re
import string

from oslo_utils import timeutils
import sqlalchemy as sa

from manila_repl.conf import backend_config
from manila_repl.conf import CONF
from manila_repl import constants as c
from manila_repl.db import models
from manila_repl.db import session
from manila_repl import exception
from manila_repl.share import access
from manila_repl.share import api as share_api
from manila_repl.share import driver as driver_api
from manila_repl.share import drivers

Rule = models.ShareAccessRule
Map = models.ShareInstanceAccessMap
Instance = models.ShareInstance

ACCESS_TYPES = ('ip', 'user', 'cert', 'cephx')
ACCESS_LEVELS = ('rw', 'ro')
# Manila's user names, plus '@' (domain users).
_USER_RE = re.compile(r"^[\w.@`;'{}\[\]\\$-]{4,255}$")


class AccessRuleNotFound(exception.NotFound):
    message = 'Access rule %(access_id)s could not be found.'


class AccessRuleExists(exception.Invalid):
    message = 'Share access %(access_type)s:%(access_to)s exists.'


def _invalid(reason):
    return exception.InvalidInput(reason=reason)


def _ip_network(value):
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError:
        return None


def validate_rule(access_type, access_to, access_level, version=None):
    """Manila's checks, roughly; raises InvalidInput (400).

    :param version: the request's microversion (a tuple), for the types
        that came later (cephx 2.13, IPv6 2.38).
    """
    if access_type not in ACCESS_TYPES:
        raise _invalid('access type must be one of %s, not %s' % (
            ', '.join(ACCESS_TYPES), access_type))
    if access_level not in ACCESS_LEVELS:
        raise _invalid('access level must be one of %s, not %s' % (
            ', '.join(ACCESS_LEVELS), access_level))
    if not isinstance(access_to, str) or not access_to:
        raise _invalid('access_to must be a non-empty string')
    if access_type == 'ip':
        network = _ip_network(access_to)
        if network is None:
            raise _invalid('%s is not a valid IP address or network (CIDR, '
                           'no host bits set)' % access_to)
        if network.version == 6 and version is not None and \
                version < (2, 38):
            raise _invalid('IPv6 access rules need API version 2.38 or '
                           'later')
    elif access_type == 'user':
        if not _USER_RE.match(access_to):
            raise _invalid('user access must be 4 to 255 characters of '
                           "letters, digits and . @ - _ ` ; ' { } [ ] \\ $")
    elif access_type == 'cert':
        if len(access_to) > 64 or access_to.strip() != access_to:
            raise _invalid('a certificate common name is 1 to 64 '
                           'characters without surrounding blanks')
    elif access_type == 'cephx':
        if version is not None and version < (2, 13):
            raise _invalid('cephx access rules need API version 2.13 or '
                           'later')
        if len(access_to) > 255 or \
                not set(access_to) <= set(string.printable) or \
                any(ch in access_to for ch in '. \t\r\n\x0b\x0c'):
            raise _invalid('a Ceph ID is printable ASCII without periods '
                           'or blanks, up to 255 characters')


def check_backend(host, access_type, access_to):
    """What the backend of the share's active instance refuses (its config
    section, when this process has it): access types its driver does not
    enforce, ip networks wider than its limit. Raises InvalidInput (400).
    """
    backend = (host or '').partition('#')[0].partition('@')[2]
    if not backend:
        return
    try:
        cls = drivers.driver_class(backend_config(CONF, backend)
                                   .share_driver)
    except Exception:       # an unknown driver: its manager says so
        return
    # Read again: loading the driver's module added its options.
    section = backend_config(CONF, backend)
    types = getattr(cls, 'access_types', None)
    types = types(section) if types else driver_api.ACCESS_TYPES
    if access_type not in types:
        raise _invalid('the backend of this share enforces only %s access '
                       'rules, not %s' % (', '.join(types), access_type))
    if access_type == 'ip':
        network = _ip_network(access_to)
        widest = (section.access_ip_min_prefix_ipv4 if network.version == 4
                  else section.access_ip_min_prefix_ipv6)
        if network.prefixlen < widest:
            raise _invalid('%s is wider than /%d, the widest network an '
                           'access rule may name on the backend of this '
                           'share' % (access_to, widest))


def _same(access_type, a, b):
    if access_type == 'ip':
        na, nb = _ip_network(a), _ip_network(b)
        if na is not None and nb is not None:
            return na == nb
    return a == b


def _data(rule, maps):
    """The rule as the views want it; ``maps``: its (state, reason)
    pairs, one per instance."""
    reasons = sorted({reason for state, reason in maps
                      if state == access.ERROR and reason})
    return {'id': rule.id, 'share_id': rule.share_id,
            'access_type': rule.access_type, 'access_to': rule.access_to,
            'access_level': rule.access_level,
            'state': access.rule_state([state for state, _ in maps]),
            'state_reason': '; '.join(reasons) or None,
            'access_key': None,
            'created_at': rule.created_at, 'updated_at': rule.updated_at,
            'metadata': dict(rule.metadata_ or {})}


def _maps(r, access_ids):
    result = {a: [] for a in access_ids}
    if access_ids:
        for access_id, state, reason in r.execute(
                sa.select(Map.access_id, Map.state, Map.state_reason)
                .where(Map.access_id.in_(access_ids))).all():
            result[access_id].append((state, reason))
    return result


def rules_status(share_ids):
    """{share_id: access_rules_status} for the shares (one query), over
    their available instances."""
    share_ids = list(share_ids)
    found = {s: [] for s in share_ids}
    if share_ids:
        with session.reader() as r:
            for share_id, state in r.execute(
                    sa.select(Instance.share_id, Map.state).distinct()
                    .join(Map, Map.share_instance_id == Instance.id)
                    .where(Instance.share_id.in_(share_ids),
                           # Only available instances count (as Manila's
                           # get_access_rules_status): a replica in error
                           # leaves the share's rules active.
                           Instance.status == c.STATUS_AVAILABLE)).all():
                found[share_id].append(state)
    return {s: access.rules_status(v) for s, v in found.items()}


def _cast_target(share):
    primary = share_api._primary(share)
    return primary.host if primary is not None else None


def allow_access(context, share_id, access_type, access_to,
                 access_level='rw', metadata=None, version=None):
    """Record the rule on every instance and ask the active's manager."""
    access_level = access_level or 'rw'
    validate_rule(access_type, access_to, access_level, version)
    with session.transaction() as s:
        share = share_api.get_share(context, share_id, s)
        share_api.guard_share(s, share_id)
        s.refresh(share, ['instances'])
        primary = share_api._primary(share)
        if primary is None or primary.status != c.STATUS_AVAILABLE or \
                not primary.host:
            raise _invalid('share %s must be available to allow access, '
                           'not %s' % (share_id, primary.status
                                       if primary else 'without instance'))
        check_backend(primary.host, access_type, access_to)
        if version is not None and version < (2, 74) and any(
                i.status == c.STATUS_ERROR for i in share.instances):
            # Manila allows rules on a share with replicas in error only
            # from 2.74 on.
            raise _invalid('share %s has replicas in error status: access '
                           'rules need API version 2.74 or later' % share_id)
        for rule in s.scalars(sa.select(Rule).where(
                Rule.share_id == share_id, Rule.access_type == access_type)):
            if _same(access_type, rule.access_to, access_to):
                raise AccessRuleExists(access_type=access_type,
                                       access_to=access_to)
        rule = Rule(share_id=share_id, access_type=access_type,
                    access_to=access_to, access_level=access_level,
                    metadata_=dict(metadata or {}))
        s.add(rule)
        s.flush()
        for instance in share.instances:
            s.add(Map(share_instance_id=instance.id, access_id=rule.id,
                      state=access.QUEUED_TO_APPLY))
        access_id, host = rule.id, primary.host

    def undo(s):
        s.execute(sa.delete(Map).where(Map.access_id == access_id))
        s.execute(sa.delete(Rule).where(Rule.id == access_id))

    share_api.cast(
        lambda: share_api._share_rpc().update_access(context, host,
                                                     share_id),
        undo, 'allow access to share %s' % share_id)
    return get_access(context, access_id)


def deny_access(context, share_id, access_id):
    """Mark the rule's maps queued_to_deny and ask the active's manager."""
    with session.transaction() as s:
        share = share_api.get_share(context, share_id, s)
        rule = s.scalars(sa.select(Rule).where(
            Rule.id == access_id, Rule.share_id == share_id)).first()
        if rule is None:
            raise AccessRuleNotFound(access_id=access_id)
        share_api.guard_share(s, share_id)
        s.refresh(share, ['instances'])
        host = _cast_target(share)
        if not host:
            raise _invalid('share %s has no placed instance' % share_id)
        previous = dict(s.execute(
            sa.select(Map.id, Map.state)
            .where(Map.access_id == access_id)).all())
        s.execute(sa.update(Map)
                  .where(Map.access_id == access_id,
                         Map.state.not_in(access.DENIED))
                  .values(state=access.QUEUED_TO_DENY,
                          updated_at=timeutils.utcnow()))

    def undo(s):
        for map_id, state in previous.items():
            s.execute(sa.update(Map)
                      .where(Map.id == map_id,
                             Map.state == access.QUEUED_TO_DENY)
                      .values(state=state))

    share_api.cast(
        lambda: share_api._share_rpc().update_access(context, host,
                                                     share_id),
        undo, 'deny access to share %s' % share_id)


def list_access(context, share_id):
    """The share's rules (dicts with their state), oldest first."""
    with session.reader() as r:
        share_api.get_share(context, share_id, r)
        rules = r.scalars(sa.select(Rule).where(Rule.share_id == share_id)
                          .order_by(Rule.created_at, Rule.id)).all()
        maps = _maps(r, [x.id for x in rules])
        return [_data(x, maps[x.id]) for x in rules]


def get_access(context, access_id):
    with session.reader() as r:
        rule = r.get(Rule, access_id)
        if rule is None:
            raise AccessRuleNotFound(access_id=access_id)
        try:
            share_api.get_share(context, rule.share_id, r)
        except exception.ShareNotFound:
            raise AccessRuleNotFound(access_id=access_id)
        return _data(rule, _maps(r, [rule.id])[rule.id])
