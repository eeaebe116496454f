"""/v2/share-access-rules (2.45+) and the access actions of a share."""
import pecan
from pecan import rest

from manila_repl import api, exception
from manila_repl.api import method, microversion, validation
from manila_repl.api.schemas import share_access_rules as schema
from manila_repl.api.views import share_accesses as views
from manila_repl.policies import share_access_rules as policy
from manila_repl.share import access_api


def _rules_status(share_id, version):
    if version >= (2, 28):
        return None
    return access_api.rules_status([share_id])[share_id]


def allow_access(ctx, share_id, argument):
    """The allow_access share action: {"access": {...}} (200)."""
    ctx.can(policy.SHARE_ALLOW_ACCESS)
    validation.validate(schema.allow_access, argument)
    version = microversion.current()
    metadata = argument.get('metadata') if version >= (2, 45) else None
    rule = access_api.allow_access(
        ctx, share_id, argument['access_type'], argument['access_to'],
        access_level=argument.get('access_level') or 'rw',
        metadata=metadata, version=version)
    pecan.response.status = 200
    return views.show(rule, version, _rules_status(share_id, version))


def deny_access(ctx, share_id, argument):
    """The deny_access share action (202)."""
    ctx.can(policy.SHARE_DENY_ACCESS)
    validation.validate(schema.deny_access, argument)
    access_api.deny_access(ctx, share_id, argument['access_id'])


def access_list(ctx, share_id):
    """The access_list share action (up to 2.44)."""
    ctx.can(policy.SHARE_ACCESS_GET_ALL)
    version = microversion.current()
    if version >= (2, 45):
        raise exception.VersionNotFound(version=str(version))
    rules = access_api.list_access(ctx, share_id)
    pecan.response.status = 200
    return views.index(rules, version, _rules_status(share_id, version))


class ShareAccessRulesController(rest.RestController):
    """/v2/share-access-rules"""

    @method.expose()
    @microversion.api_version('2.45')
    def get_all(self):
        ctx = api.context()
        ctx.can(policy.SHARE_ACCESS_RULE_INDEX)
        share_id = pecan.request.GET.get('share_id')
        if not share_id:
            raise exception.InvalidInput(
                reason='share_id is required to list access rules')
        version = microversion.current()
        return views.index(access_api.list_access(ctx, share_id), version)

    @method.expose()
    @microversion.api_version('2.45')
    def get_one(self, access_id):
        ctx = api.context()
        ctx.can(policy.SHARE_ACCESS_RULE_GET)
        return views.show(access_api.get_access(ctx, access_id),
                          microversion.current())
