from oslo_policy import policy

from manila_repl.policies import base

PATH = '/v2/quota-sets/{project_id}'

rules = [
    policy.DocumentedRuleDefault(
        name='quota_set:show', check_str=base.RULE_DEFAULT,
        description='Show the quotas of a project (a member: its own), '
                    'with usage, or the defaults.',
        operations=[{'method': 'GET', 'path': PATH},
                    {'method': 'GET', 'path': PATH + '/detail'},
                    {'method': 'GET', 'path': PATH + '/defaults'}]),
    policy.DocumentedRuleDefault(
        name='quota_set:update', check_str=base.RULE_ADMIN_API,
        description='Set the quotas of a project.',
        operations=[{'method': 'PUT', 'path': PATH}]),
    policy.DocumentedRuleDefault(
        name='quota_set:delete', check_str=base.RULE_ADMIN_API,
        description='Return a project to the default quotas.',
        operations=[{'method': 'DELETE', 'path': PATH}]),
    policy.DocumentedRuleDefault(
        name='share:extend', check_str=base.RULE_DEFAULT,
        description='Extend a share (every replica).',
        operations=[{'method': 'POST',
                     'path': '/v2/shares/{share_id}/action'}]),
    policy.DocumentedRuleDefault(
        name='share:shrink', check_str=base.RULE_DEFAULT,
        description='Shrink a share (every replica).',
        operations=[{'method': 'POST',
                     'path': '/v2/shares/{share_id}/action'}]),
]


def list_rules():
    return rules
