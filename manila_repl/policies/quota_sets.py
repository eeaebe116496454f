"""Policy rules: Quotas, and resizing a share (checked against them)."""
from manila_repl.policies import base

QUOTA_SET_SHOW = 'quota_set:show'
QUOTA_SET_UPDATE = 'quota_set:update'
QUOTA_SET_DELETE = 'quota_set:delete'
SHARE_EXTEND = 'share:extend'
SHARE_SHRINK = 'share:shrink'

rules = [
    base.rule(QUOTA_SET_SHOW, base.ADMIN_OR_READER,
              'Show the quotas of a project (a member: its own), with '
              'usage, or the defaults.',
              [('GET', '/v2/quota-sets/{project_id}'),
               ('GET', '/v2/quota-sets/{project_id}/detail'),
               ('GET', '/v2/quota-sets/{project_id}/defaults')]),
    base.rule(QUOTA_SET_UPDATE, base.ADMIN_API,
              'Set the quotas of a project.',
              [('PUT', '/v2/quota-sets/{project_id}')]),
    base.rule(QUOTA_SET_DELETE, base.ADMIN_API,
              'Return a project to the default quotas.',
              [('DELETE', '/v2/quota-sets/{project_id}')]),
    base.rule(SHARE_EXTEND, base.ADMIN_OR_MEMBER,
              'Extend a share (every replica).',
              [('POST', '/v2/shares/{share_id}/action')]),
    base.rule(SHARE_SHRINK, base.ADMIN_OR_MEMBER,
              'Shrink a share (every replica).',
              [('POST', '/v2/shares/{share_id}/action')]),
]


def list_rules():
    return rules
