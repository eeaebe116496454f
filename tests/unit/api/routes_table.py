"""Every (method, path template) the controllers serve, collected from the
controller tree as pecan routes it (RestController verbs, custom actions,
sub-controllers), for tests that must cover every route."""
import inspect

from pecan import rest
from pecan import util as pecan_util

from manila_repl.api.controllers import root

#: RestController verbs: (handler, method, whether the path names an item)
VERBS = (('get_all', 'GET', False), ('post', 'POST', False),
         ('get_one', 'GET', True), ('put', 'PUT', True),
         ('delete', 'DELETE', True))


def _positional(handler):
    return [a for a in pecan_util.getargspec(handler).args if a != 'self']


def _is_controller(value):
    return (not inspect.isroutine(value) and
            type(value).__module__.startswith('manila_repl.api.controllers'))


def _children(controller):
    for name in sorted(dir(type(controller))):
        if name.startswith('_'):
            continue
        value = getattr(controller, name, None)
        if _is_controller(value):
            yield name, value


def _walk(controller, prefix, params, out):
    owner = type(controller).__name__
    if not isinstance(controller, rest.RestController):
        index = getattr(controller, 'index', None)
        if index is not None:
            out.append(('GET', prefix or '/', dict(params)))
        for name, child in _children(controller):
            _walk(child, '%s/%s' % (prefix, name), params, out)
        return
    item = None
    for handler_name, method, is_item in VERBS:
        handler = getattr(controller, handler_name, None)
        if handler is None:
            continue
        extra = _positional(handler)[len(params):]
        if is_item:
            item = extra[0]
            out.append((method, '%s/{%s}' % (prefix, item),
                        dict(params, **{item: owner})))
        else:
            out.append((method, prefix, dict(params)))
    for name, methods in getattr(controller, '_custom_actions', {}).items():
        extra = _positional(getattr(controller, name))[len(params):]
        path = prefix + ''.join('/{%s}' % arg for arg in extra) + '/' + name
        for method in methods:
            out.append((method, path, dict(params, **{a: owner
                                                      for a in extra})))
    for name, child in _children(controller):
        if item is None:
            continue
        _walk(child, '%s/{%s}/%s' % (prefix, item, name),
              dict(params, **{item: owner}), out)


def collect():
    """[(method, template, {param: class that names it})], e.g.
    ('POST', '/v2/shares/{share_id}/action', {'share_id':
    'SharesController'})."""
    out = []
    _walk(root.RootController(), '', {}, out)
    return out
