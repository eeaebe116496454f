from oslo_policy import policy

from manila_repl.policies import base

rules = [
    policy.DocumentedRuleDefault(
        name='service:index', check_str=base.RULE_ADMIN_API,
        description='List services.',
        operations=[{'method': 'GET', 'path': '/v2/services'},
                    {'method': 'GET', 'path': '/v2/os-services'}]),
]


def list_rules():
    return rules
