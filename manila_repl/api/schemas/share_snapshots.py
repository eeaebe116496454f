from manila_repl.api import schemas
from manila_repl.share import snapshot_api

create = {
    'type': 'object',
    'properties': {
        'snapshot': {
            'type': 'object',
            'properties': {
                'share_id': {'type': 'string', 'minLength': 1,
                             'maxLength': 36},
                'force': schemas.BOOLEAN_LIKE,
                'name': schemas.NULLABLE_STRING_255,
                'description': schemas.NULLABLE_STRING_255,
                'display_name': schemas.NULLABLE_STRING_255,
                'display_description': schemas.NULLABLE_STRING_255,
                'metadata': {
                    'type': ['object', 'null'],
                    'additionalProperties': {'type': 'string'},
                },
            },
            'required': ['share_id'],
        },
    },
    'required': ['snapshot'],
}

update = {
    'type': 'object',
    'properties': {
        'snapshot': {
            'type': 'object',
            'properties': {
                'name': schemas.NULLABLE_STRING_255,
                'description': schemas.NULLABLE_STRING_255,
                'display_name': schemas.NULLABLE_STRING_255,
                'display_description': schemas.NULLABLE_STRING_255,
            },
            'additionalProperties': False,
        },
    },
    'required': ['snapshot'],
}

ACTIONS = ('reset_status', 'force_delete', 'os-reset_status',
           'os-force_delete')

action = schemas.one_action(ACTIONS)

reset_status = {
    'type': 'object',
    'properties': {'status': {
        'type': 'string', 'enum': list(snapshot_api.SNAPSHOT_STATUSES)}},
    'required': ['status'],
}

instance_action = schemas.one_action(('reset_status',))
