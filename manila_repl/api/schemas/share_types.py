from manila_repl.api import schemas

SPEC_VALUE = {'type': ['string', 'boolean', 'integer', 'number'],
              'maxLength': 255}
SPECS = {
    'type': 'object',
    'additionalProperties': SPEC_VALUE,
    'propertyNames': {'minLength': 1, 'maxLength': 255},
}

create = {
    'type': 'object',
    'properties': {
        'share_type': {
            'type': 'object',
            'properties': {
                'name': schemas.NAME,
                'extra_specs': SPECS,
                'share_type_access:is_public': schemas.BOOLEAN_LIKE,
                'os-share-type-access:is_public': schemas.BOOLEAN_LIKE,
                'description': schemas.NULLABLE_STRING_255,
            },
            'required': ['name', 'extra_specs'],
        },
    },
    'required': ['share_type'],
}

set_extra_specs = {
    'type': 'object',
    'properties': {'extra_specs': dict(SPECS, minProperties=1)},
    'required': ['extra_specs'],
}

#: PUT /v2/types/{id}/extra_specs/{key}: ``{key: value}``, one spec.
update_extra_spec = dict(SPECS, minProperties=1, maxProperties=1)
