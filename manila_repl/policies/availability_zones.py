from oslo_policy import policy

from manila_repl.policies import base

rules = [
    policy.DocumentedRuleDefault(
        name='availability_zone:index', check_str=base.RULE_DEFAULT,
        description='List availability zones.',
        operations=[{'method': 'GET', 'path': '/v2/availability-zones'},
                    {'method': 'GET', 'path': '/v2/os-availability-zone'}]),
]


def list_rules():
    return rules
