"""JSON schemas of request bodies, one module per resource."""

NULLABLE_STRING_255 = {'type': ['string', 'null'], 'maxLength': 255}
NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255}
#: ``null`` or ``{}``: actions that take no argument.
NO_ARGUMENT = {'type': ['null', 'object'], 'maxProperties': 0}
#: A boolean, or a string that reads as one (as Manila accepts).
BOOLEAN_LIKE = {
    'anyOf': [
        {'type': 'boolean'},
        {'type': 'string',
         'pattern': '(?i)^(true|false|t|f|yes|no|y|n|on|off|1|0)$'},
    ]
}


def one_action(names):
    """A body naming exactly one action, among ``names``."""
    return {
        'type': 'object',
        'minProperties': 1,
        'maxProperties': 1,
        'propertyNames': {'enum': sorted(names)},
    }
