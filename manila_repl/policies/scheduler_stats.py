"""Policy rules: Storage pools (administrators)."""
from manila_repl.policies import base

SCHEDULER_STATS_POOLS_INDEX = 'scheduler_stats:pools:index'
SCHEDULER_STATS_POOLS_DETAIL = 'scheduler_stats:pools:detail'

rules = [
    base.rule(SCHEDULER_STATS_POOLS_INDEX, base.ADMIN_API,
              'List storage pools.',
              [('GET', '/v2/scheduler-stats/pools')]),
    base.rule(SCHEDULER_STATS_POOLS_DETAIL, base.ADMIN_API,
              'List storage pools with their capabilities.',
              [('GET', '/v2/scheduler-stats/pools/detail')]),
]


def list_rules():
    return rules
