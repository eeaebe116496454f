from oslo_policy import policy

from manila_repl.policies import base

rules = [
    policy.DocumentedRuleDefault(
        name='scheduler_stats:pools:index', check_str=base.RULE_ADMIN_API,
        description='List storage pools.',
        operations=[{'method': 'GET', 'path': '/v2/scheduler-stats/pools'}]),
    policy.DocumentedRuleDefault(
        name='scheduler_stats:pools:detail', check_str=base.RULE_ADMIN_API,
        description='List storage pools with their capabilities.',
        operations=[{'method': 'GET',
                     'path': '/v2/scheduler-stats/pools/detail'}]),
]


def list_rules():
    return rules
