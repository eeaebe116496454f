"""Exceptions. ``code`` is the HTTP status the REST API answers with."""


class ManilaReplException(Exception):
    message = 'An unknown error occurred.'
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.message % kwargs
            except (KeyError, TypeError):
                message = self.message
        self.msg = str(message)
        super().__init__(self.msg)


class Invalid(ManilaReplException):
    message = 'Unacceptable parameters.'
    code = 400


class InvalidInput(Invalid):
    message = 'Invalid input received: %(reason)s'


class NotAuthorized(ManilaReplException):
    message = 'Not authorized.'
    code = 403


class Unauthenticated(ManilaReplException):
    message = 'Authentication required.'
    code = 401


class NotFound(ManilaReplException):
    message = 'Resource could not be found.'
    code = 404


class ShareNotFound(NotFound):
    message = 'Share %(share_id)s could not be found.'


class ShareReplicaNotFound(NotFound):
    message = 'Share replica %(replica_id)s could not be found.'


class MessageNotFound(NotFound):
    message = 'Message %(message_id)s could not be found.'


class ShareInstanceNotFound(NotFound):
    message = 'Share instance %(instance_id)s could not be found.'


class ShareTypeNotFound(NotFound):
    message = 'Share type %(share_type_id)s could not be found.'


class ExtraSpecNotFound(NotFound):
    message = 'Share type %(share_type_id)s has no extra spec %(key)s.'


class ExportLocationNotFound(NotFound):
    message = 'Export location %(uuid)s could not be found.'


class Conflict(ManilaReplException):
    message = 'The request conflicts with the current state.'
    code = 409


class ShareTypeExists(Conflict):
    message = 'Share type %(name)s already exists.'


class ShareBusy(Conflict):
    message = ('Share %(share_id)s is busy: %(reason)s')


class NoValidHost(ManilaReplException):
    message = 'No valid host was found. %(reason)s'
    code = 400


class ShareBackendUnreachable(ManilaReplException):
    message = 'Backend %(backend)s cannot be reached: %(reason)s'


class ShareDriverError(ManilaReplException):
    message = 'Share driver failed: %(reason)s'


class ShareShrinkingPossibleDataLoss(ManilaReplException):
    message = ('Shrinking share instance %(instance_id)s to %(new_size)s GiB '
               'would lose data: %(reason)s')


class OverQuota(ManilaReplException):
    """A request would take a project over one of its quotas (413, with
    Manila's ``retryAfter``)."""
    message = 'Quota exceeded for resources: %(resources)s. %(detail)s'
    code = 413
    headers = {'Retry-After': '0'}


# -- raised by the REST API layer -----------------------------------------

class PolicyNotAuthorized(NotAuthorized):
    message = 'Policy does not allow %(action)s to be performed.'


class VersionNotFound(NotFound):
    message = 'The requested method is not available at API version ' \
              '%(version)s.'


class VersionNotAcceptable(ManilaReplException):
    message = 'Version %(version)s is not supported by the API. Minimum ' \
              'is %(min)s and maximum is %(max)s.'
    code = 406


class ShareTypeInUse(Invalid):
    message = 'Share type %(share_type_id)s is still in use.'


class MethodNotAllowed(ManilaReplException):
    message = ('Method %(method)s is not allowed on this resource; it '
               'allows %(allowed)s.')
    code = 405

    def __init__(self, method, allowed):
        super().__init__(method=method, allowed=', '.join(allowed))
        self.headers = {'Allow': ', '.join(allowed)}


class RequestTooLarge(ManilaReplException):
    message = 'The request body is too large.'
    code = 413


class NotImplementedYet(ManilaReplException):
    message = '%(feature)s is not implemented by this service.'
    code = 501


class ServiceUnavailable(ManilaReplException):
    message = 'Service unavailable: %(reason)s'
    code = 503
