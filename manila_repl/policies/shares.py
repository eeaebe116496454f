"""Policy rules: Shares and their export locations."""
from manila_repl.policies import base

SHARE_CREATE = 'share:create'
SHARE_GET_ALL = 'share:get_all'
SHARE_GET = 'share:get'
SHARE_DELETE = 'share:delete'
SHARE_LIST_ALL_PROJECTS = 'share:list_all_projects'
SHARE_RESET_STATUS = 'share:reset_status'
SHARE_FORCE_DELETE = 'share:force_delete'
SHARE_EXPORT_LOCATION_INDEX = 'share_export_location:index'
SHARE_EXPORT_LOCATION_SHOW = 'share_export_location:show'

rules = [
    base.rule(SHARE_CREATE, base.ADMIN_OR_MEMBER,
              'Create a share.',
              [('POST', '/v2/shares')]),
    base.rule(SHARE_GET_ALL, base.ADMIN_OR_READER,
              'List shares.',
              [('GET', '/v2/shares'), ('GET', '/v2/shares/detail')]),
    base.rule(SHARE_GET, base.ADMIN_OR_READER,
              'Show a share.',
              [('GET', '/v2/shares/{share_id}')]),
    base.rule(SHARE_DELETE, base.ADMIN_OR_MEMBER,
              'Delete a share.',
              [('DELETE', '/v2/shares/{share_id}')]),
    base.rule(SHARE_LIST_ALL_PROJECTS, base.ADMIN_API,
              'List the shares of every project (all_tenants=1).',
              [('GET', '/v2/shares?all_tenants=1')]),
    base.rule(SHARE_RESET_STATUS, base.ADMIN_API,
              'Reset the status of a share (database only).',
              [('POST', '/v2/shares/{share_id}/action')]),
    base.rule(SHARE_FORCE_DELETE, base.ADMIN_API,
              'Delete a share whatever its status.',
              [('POST', '/v2/shares/{share_id}/action')]),
    base.rule(SHARE_EXPORT_LOCATION_INDEX, base.ADMIN_OR_READER,
              'List the export locations of a share.',
              [('GET', '/v2/shares/{share_id}/export_locations')]),
    base.rule(SHARE_EXPORT_LOCATION_SHOW, base.ADMIN_OR_READER,
              'Show an export location of a share.',
              [('GET',
                '/v2/shares/{share_id}/export_locations/{export_location_id}')]),
]


def list_rules():
    return rules
