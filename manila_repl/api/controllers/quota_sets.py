"""/v2/quota-sets/{project_id} (2.7+) and /v2/os-quota-sets (2.0 to 2.6).

As Manila: GET shows a project's limits (a member only its own: 403
otherwise), ``/detail`` (2.25+) each as ``{"limit", "in_use",
"reserved"}``, ``/defaults`` the configured defaults; PUT (admin) sets
limits (integers >= -1, -1 unlimited; below what is in use is 400 unless
``force``) and answers the new set; DELETE (admin) returns the project to
the defaults (202). ``share_replicas``/``replica_gigabytes`` appear from
2.53, ``per_share_gigabytes`` from 2.62, share groups from 2.40. Quotas
per user or per share type are not supported (400).
"""
from typing import ClassVar

import pecan
from oslo_utils import strutils
from pecan import rest

from manila_repl import api, exception, quotas
from manila_repl.api import method, microversion, validation
from manila_repl.policies import quota_sets as policy

_BASE_KEYS = ('shares', 'gigabytes', 'snapshots', 'snapshot_gigabytes')
#: (first version, keys shown from it)
_VERSIONED_KEYS = (('2.40', ('share_groups', 'share_group_snapshots')),
                   ('2.53', ('share_replicas', 'replica_gigabytes')),
                   ('2.62', ('per_share_gigabytes',)))
_NON_QUOTA_KEYS = ('tenant_id', 'id', 'force', 'share_type')


def _keys():
    keys = list(_BASE_KEYS) + ['share_networks']
    for version, names in _VERSIONED_KEYS:
        if microversion.at_least(version):
            keys.extend(names)
    return keys


def _view(values, project_id=None):
    view = {key: values[key] for key in _keys()}
    if project_id is not None:
        view['id'] = project_id
    return {'quota_set': view}


def _no_user_or_type():
    for name in ('user_id', 'share_type'):
        if pecan.request.GET.get(name):
            raise exception.InvalidInput(
                reason='quotas per %s are not supported by this service'
                       % name.replace('_id', ''))


def _authorize_project(ctx, project_id):
    if not ctx.is_admin and ctx.project_id != project_id:
        raise exception.NotAuthorized(
            'A member may only see the quotas of its own project.')


class _QuotaSets(rest.RestController):

    _custom_actions: ClassVar[dict] = {'detail': ['GET'],
                                       'defaults': ['GET']}

    def _show(self, project_id, detail=False):
        ctx = api.context()
        ctx.can(policy.QUOTA_SET_SHOW)
        _no_user_or_type()
        _authorize_project(ctx, project_id)
        return _view(quotas.project_quotas(project_id, with_usage=detail),
                     project_id)

    def _defaults(self, project_id):
        api.context().can(policy.QUOTA_SET_SHOW)
        return _view(quotas.defaults(), project_id)

    def _update(self, project_id, body):
        ctx = api.context()
        ctx.can(policy.QUOTA_SET_UPDATE)
        _no_user_or_type()
        if not isinstance(body, dict) or \
                not isinstance(body.get('quota_set'), dict):
            raise exception.InvalidInput(
                reason='the body must be {"quota_set": {...}}')
        values = body['quota_set']
        allowed = set(_keys())
        bad = [k for k in values
               if k not in allowed and k not in _NON_QUOTA_KEYS]
        if bad:
            raise exception.InvalidInput(
                reason='bad key(s) %s in quota_set (at API version %s)' %
                       (','.join(sorted(bad)), microversion.current()))
        force = strutils.bool_from_string(values.get('force', False))
        limits = {}
        for key, value in values.items():
            if key in _NON_QUOTA_KEYS or value is None or value == '':
                continue
            if isinstance(value, bool):
                value = None
            try:
                limit = int(str(value).strip())
            except (TypeError, ValueError):
                limit = None
            if limit is None:
                raise exception.InvalidInput(
                    reason="quota %r for %s should be an integer" %
                           (values[key], key))
            if limit < -1:
                raise exception.InvalidInput(
                    reason='quota limit of %s must be -1 or greater' % key)
            if limit > 2 ** 31 - 1:
                raise exception.InvalidInput(
                    reason='quota limit of %s is too large' % key)
            limits[key] = limit
        if not force:
            current = quotas.project_quotas(project_id, with_usage=True)
            for key, limit in limits.items():
                used = current[key]['in_use'] + current[key]['reserved']
                if limit >= 0 and used > limit:
                    raise exception.InvalidInput(
                        reason='quota value %d for %s is smaller than '
                               'already used and reserved %d' %
                               (limit, key, used))
        quotas.set_limits(project_id, limits)
        return _view(quotas.project_quotas(project_id))

    def _delete(self, project_id):
        ctx = api.context()
        ctx.can(policy.QUOTA_SET_DELETE)
        _no_user_or_type()
        quotas.reset(project_id)


class QuotaSetsController(_QuotaSets):
    """/v2/quota-sets (2.7+)"""

    @method.expose()
    @microversion.api_version('2.7')
    def get_one(self, project_id):
        return self._show(project_id)

    @method.expose()
    @microversion.api_version('2.25')
    def detail(self, project_id):
        return self._show(project_id, detail=True)

    @method.expose()
    @microversion.api_version('2.7')
    def defaults(self, project_id):
        return self._defaults(project_id)

    @method.expose()
    @microversion.api_version('2.7')
    def put(self, project_id):
        return self._update(project_id, validation.parse_body())

    @method.expose(202)
    @microversion.api_version('2.7')
    def delete(self, project_id):
        self._delete(project_id)


class OSQuotaSetsController(_QuotaSets):
    """/v2/os-quota-sets (2.0 to 2.6)"""

    _custom_actions: ClassVar[dict] = {'defaults': ['GET']}

    @method.expose()
    @microversion.api_version('2.0', '2.6')
    def get_one(self, project_id):
        return self._show(project_id)

    @method.expose()
    @microversion.api_version('2.0', '2.6')
    def defaults(self, project_id):
        return self._defaults(project_id)

    @method.expose()
    @microversion.api_version('2.0', '2.6')
    def put(self, project_id):
        return self._update(project_id, validation.parse_body())

    @method.expose(202)
    @microversion.api_version('2.0', '2.6')
    def delete(self, project_id):
        self._delete(project_id)
