"""Bodies of the allow_access and deny_access share actions."""

allow_access = {
    'type': 'object',
    'properties': {
        'access_type': {'type': 'string', 'maxLength': 255},
        'access_to': {'type': 'string', 'maxLength': 255},
        'access_level': {'type': ['string', 'null'], 'maxLength': 255},
        'metadata': {
            'type': ['object', 'null'],
            'additionalProperties': {'type': 'string', 'maxLength': 1023},
            'propertyNames': {'minLength': 1, 'maxLength': 255},
        },
        # Manila's: access keys are made by the driver, never given.
        'access_key': {'type': 'null'},
    },
    'required': ['access_type', 'access_to'],
}

deny_access = {
    'type': 'object',
    'properties': {'access_id': {'type': 'string', 'minLength': 1,
                                 'maxLength': 255}},
    'required': ['access_id'],
}
