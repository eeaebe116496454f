"""/v2/scheduler-stats/pools[/detail] (administrators): asks the scheduler.
"""
from typing import ClassVar

import pecan
from pecan import rest

from manila_repl import api, share_types
from manila_repl.api import bus, method
from manila_repl.api.views import scheduler_stats as views
from manila_repl.policies import scheduler_stats as policy
from manila_repl.scheduler import rpcapi as scheduler_rpcapi

#: Query parameters passed on to the scheduler as filters.
_FILTERS = ('host', 'backend', 'pool', 'share_type')

_rpc = None


def _scheduler():
    global _rpc
    if _rpc is None:
        _rpc = scheduler_rpcapi.SchedulerAPI(retry=bus.retries(),
                                             timeout=bus.timeout())
    return _rpc


def _pools(ctx):
    params = pecan.request.GET
    filters = {k: params[k] for k in _FILTERS if params.get(k)}
    if params.get('pool_name'):
        filters['pool'] = params['pool_name']
    if filters.get('share_type'):
        # The scheduler matches pools against the type's extra specs.
        share_type = share_types.get_by_name_or_id(filters['share_type'])
        filters['share_type'] = share_type.id
        filters['extra_specs'] = share_types.extra_specs(share_type)
    return bus.call(lambda: _scheduler().get_pools(ctx, filters=filters),
                    'pools from the scheduler')


class PoolsController(rest.RestController):
    """/v2/scheduler-stats/pools"""

    _custom_actions: ClassVar[dict] = {'detail': ['GET']}

    @method.expose()
    def get_all(self):
        ctx = api.context()
        ctx.can(policy.SCHEDULER_STATS_POOLS_INDEX)
        return views.index(_pools(ctx), detail=False)

    @method.expose()
    def detail(self):
        ctx = api.context()
        ctx.can(policy.SCHEDULER_STATS_POOLS_DETAIL)
        return views.index(_pools(ctx), detail=True)


class SchedulerStatsController:
    """/v2/scheduler-stats"""

    pools = PoolsController()
