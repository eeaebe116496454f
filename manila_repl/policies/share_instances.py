from oslo_policy import policy

from manila_repl.policies import base

rules = [
    policy.DocumentedRuleDefault(
        name='share_instance:index', check_str=base.RULE_ADMIN_API,
        description='List share instances.',
        operations=[{'method': 'GET', 'path': '/v2/share_instances'},
                    {'method': 'GET',
                     'path': '/v2/shares/{share_id}/instances'}]),
    policy.DocumentedRuleDefault(
        name='share_instance:show', check_str=base.RULE_ADMIN_API,
        description='Show a share instance.',
        operations=[{'method': 'GET',
                     'path': '/v2/share_instances/{instance_id}'}]),
    policy.DocumentedRuleDefault(
        name='share_instance_export_location:index',
        check_str=base.RULE_ADMIN_API,
        description='List the export locations of a share instance.',
        operations=[{'method': 'GET',
                     'path': '/v2/share_instances/{instance_id}/'
                             'export_locations'}]),
]


def list_rules():
    return rules
