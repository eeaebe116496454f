from manila_repl import constants as c
from manila_repl.api import schemas

MAX_SIZE_GB = 2 ** 31 - 1
PROTOCOLS = ('NFS', 'CIFS', 'GLUSTERFS', 'HDFS', 'CEPHFS', 'MAPRFS')

create = {
    'type': 'object',
    'properties': {
        'share': {
            'type': 'object',
            'properties': {
                'share_proto': {
                    'type': 'string',
                    'pattern': '(?i)^({})$'.format('|'.join(PROTOCOLS)),
                },
                'size': {
                    'type': ['integer', 'string'],
                    'minimum': 1,
                    # The size column is a 32-bit integer everywhere.
                    'maximum': MAX_SIZE_GB,
                    'pattern': r'^\s*[0-9]{1,10}\s*$',
                },
                'name': schemas.NULLABLE_STRING_255,
                'display_name': schemas.NULLABLE_STRING_255,
                'description': schemas.NULLABLE_STRING_255,
                'display_description': schemas.NULLABLE_STRING_255,
                'share_type': schemas.NULLABLE_STRING_255,
                'volume_type': schemas.NULLABLE_STRING_255,
                'availability_zone': schemas.NULLABLE_STRING_255,
                'metadata': {
                    'type': ['object', 'null'],
                    'additionalProperties': {'type': 'string',
                                             'maxLength': 1023},
                    'propertyNames': {'minLength': 1, 'maxLength': 255},
                },
                'is_public': {'anyOf': [schemas.BOOLEAN_LIKE,
                                        {'type': 'null'}]},
                'snapshot_id': schemas.NULLABLE_STRING_255,
                'share_network_id': schemas.NULLABLE_STRING_255,
                'share_group_id': schemas.NULLABLE_STRING_255,
                'scheduler_hints': {'type': ['object', 'null']},
            },
            # Both, unless snapshot_id is given (the controller checks).
            'required': [],
        },
    },
    'required': ['share'],
}

#: Actions Manila has that this service does not implement (501).
UNSUPPORTED_ACTIONS = (
    'unmanage', 'revert',
    'soft_delete', 'restore',
    'migration_start', 'migration_complete', 'migration_cancel',
    'migration_get_progress', 'reset_task_state', 'update_access_metadata',
)
ACTIONS = ('reset_status', 'os-reset_status', 'force_delete',
           'os-force_delete')
RESIZE_ACTIONS = ('extend', 'os-extend', 'shrink', 'os-shrink')
_NEW_SIZE = {'type': ['integer', 'string'], 'minimum': 1,
             'maximum': MAX_SIZE_GB, 'pattern': r'^\s*[0-9]{1,10}\s*$'}
extend = {
    'type': 'object',
    'properties': {'new_size': _NEW_SIZE,
                   'force': {'anyOf': [schemas.BOOLEAN_LIKE,
                                       {'type': 'null'}]}},
    'required': ['new_size'],
}
shrink = {
    'type': 'object',
    'properties': {'new_size': _NEW_SIZE},
    'required': ['new_size'],
}
ACCESS_ACTIONS = ('allow_access', 'os-allow_access', 'deny_access',
                  'os-deny_access', 'access_list', 'os-access_list')

action = schemas.one_action(ACTIONS + RESIZE_ACTIONS + ACCESS_ACTIONS +
                            UNSUPPORTED_ACTIONS)

reset_status = {
    'type': 'object',
    'properties': {'status': {'type': 'string', 'enum': list(c.STATUSES)}},
    'required': ['status'],
}
