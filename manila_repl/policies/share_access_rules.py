"""Policy rules: Access rules of shares."""
from manila_repl.policies import base

SHARE_ALLOW_ACCESS = 'share:allow_access'
SHARE_DENY_ACCESS = 'share:deny_access'
SHARE_ACCESS_GET_ALL = 'share:access_get_all'
SHARE_ACCESS_RULE_INDEX = 'share_access_rule:index'
SHARE_ACCESS_RULE_GET = 'share_access_rule:get'

rules = [
    base.rule(SHARE_ALLOW_ACCESS, base.ADMIN_OR_MEMBER,
              'Add an access rule to a share.',
              [('POST', '/v2/shares/{share_id}/action')]),
    base.rule(SHARE_DENY_ACCESS, base.ADMIN_OR_MEMBER,
              'Remove an access rule from a share.',
              [('POST', '/v2/shares/{share_id}/action')]),
    base.rule(SHARE_ACCESS_GET_ALL, base.ADMIN_OR_READER,
              'List the access rules of a share (access_list action, API '
              '2.7 to 2.44).',
              [('POST', '/v2/shares/{share_id}/action')]),
    base.rule(SHARE_ACCESS_RULE_INDEX, base.ADMIN_OR_READER,
              'List the access rules of a share.',
              [('GET', '/v2/share-access-rules?share_id={share_id}')]),
    base.rule(SHARE_ACCESS_RULE_GET, base.ADMIN_OR_READER,
              'Show an access rule.',
              [('GET', '/v2/share-access-rules/{share_access_id}')]),
]


def list_rules():
    return rules
