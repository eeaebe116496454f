"""What a user message says: its resource types, action ids and detail ids.

A message's text is ``"<action>: <detail>"``, made from its two ids when
it is shown (as Manila does), so the ids are what clients filter on and
what scripts may match. Where Manila has an id for a failure, it is used
with Manila's meaning: actions ``001``-``010`` and details ``001``-``033``
(``manila/message/message_field.py``). Manila has no id for several
failures of this service (a replica that fell out of sync, a back end down
too long, ...): those details are ours, numbered from ``101`` to stay
clear of ids Manila may add, and listed in README.rst.
"""
import collections

#: An action or a detail: its id and its text.
Field = collections.namedtuple('Field', 'id text')

ERROR = 'ERROR'


class Resource:
    SHARE = 'SHARE'
    SHARE_REPLICA = 'SHARE_REPLICA'
    SHARE_SNAPSHOT = 'SHARE_SNAPSHOT'


class Action:
    """What was being done (Manila's ids)."""
    ALLOCATE_HOST = Field('001', 'allocate host')
    CREATE = Field('002', 'create')
    DELETE_ACCESS_RULES = Field('003', 'delete access rules')
    PROMOTE = Field('004', 'promote')
    UPDATE = Field('005', 'update')
    DELETE = Field('007', 'delete')
    EXTEND = Field('008', 'extend')
    SHRINK = Field('009', 'shrink')
    UPDATE_ACCESS_RULES = Field('010', 'update access rules')


_NO_STORAGE = ("No storage could be allocated for this share request, %s "
               "filter didn't succeed.")


class Detail:
    """Why it failed: Manila's ids first, then ours (from 101)."""
    UNKNOWN_ERROR = Field('001', 'An unknown error occurred.')
    NO_VALID_HOST = Field(
        '002', 'No storage could be allocated for this share request. '
               'Trying again with a different size or share type may '
               'succeed.')
    NO_ACTIVE_REPLICA = Field(
        '006', "Share has no replica with 'replica_state' set to 'active'.")
    FILTER_AVAILABILITY = Field('007', _NO_STORAGE % 'AvailabilityZone')
    FILTER_CAPABILITIES = Field('008', _NO_STORAGE % 'Capabilities')
    FILTER_CAPACITY = Field('009', _NO_STORAGE % 'Capacity')
    FILTER_REPLICATION = Field('014', _NO_STORAGE % 'ShareReplication')
    DRIVER_FAILED_EXTEND = Field(
        '015', 'Share Driver failed to extend share, The share status has '
               'been set to extending_error. This action cannot be '
               're-attempted until the status has been rectified. Contact '
               'your administrator to determine the cause of this failure.')
    FILTER_CREATE_FROM_SNAPSHOT = Field(
        '016', _NO_STORAGE % 'CreateFromSnapshot')
    DRIVER_FAILED_CREATING_FROM_SNAP = Field(
        '017', 'Share Driver has failed to create the share from snapshot. '
               'This operation can be re-attempted by creating a new share. '
               'Contact your administrator to determine the cause of this '
               'failure.')
    DRIVER_REFUSED_SHRINK = Field(
        '018', 'Share Driver refused to shrink the share. The size to be '
               'shrunk is smaller than the current used space. The share '
               'status has been set to available. Please select a size '
               'greater than the current used space.')
    DRIVER_FAILED_SHRINK = Field(
        '019', 'Share Driver does not support shrinking shares. Shrinking '
               'share operation failed.')
    UNSUPPORTED_CLIENT_ACCESS = Field(
        '021', 'Failed to grant access to client. The access level or type '
               'may be unsupported. You may try again with a different '
               'access level or access type.')
    SHARE_BACKEND_NOT_READY_YET = Field(
        '028', 'No storage could be allocated for this share request. '
               'Share back end services are not ready yet. Contact your '
               'administrator in case retrying does not help.')

    # -- ours --------------------------------------------------------------
    DRIVER_FAILED_CREATE = Field(
        '101', 'The share driver failed to create the share; its status '
               'is error. Delete it and create it again; contact your '
               'administrator if this keeps happening.')
    DRIVER_FAILED_DELETE = Field(
        '102', 'The share driver failed to delete the share; its status is '
               'error_deleting. Contact your administrator.')
    DRIVER_FAILED_ADD_REPLICA = Field(
        '103', 'The share driver of the active replica failed to create '
               'this replica; its status is error. Delete it and add a '
               'replica again.')
    DRIVER_FAILED_DELETE_REPLICA = Field(
        '104', 'The share driver failed to delete the replica; its status '
               'is error_deleting. Contact your administrator.')
    DRIVER_FAILED_PROMOTE = Field(
        '105', 'The share driver failed to promote the replica: the active '
               'replica is unchanged and this replica\'s replica_state is '
               'error.')
    REPLICA_ERROR = Field(
        '106', 'The replica could not be updated from the active replica: '
               'its replica_state is error. It is tried again at every '
               'replica status update.')
    REPLICA_OUT_OF_SYNC = Field(
        '107', 'The replica fell out of sync: its last successful sync is '
               'older than the recovery point objective, or it lacks '
               'snapshots of the share. It reads in_sync again once a sync '
               'succeeds.')
    REPLICA_UNREACHABLE_AT_PROMOTE = Field(
        '108', 'The back end of this replica could not be reached when '
               'another replica was promoted: its replica_state is error '
               'until it is re-synced from the new active replica, once its '
               'back end is back. If it was the active replica, writes it '
               'took after its last sync are lost.')
    DRIVER_FAILED_SNAPSHOT = Field(
        '109', 'The share driver failed to create the snapshot on one or '
               'more replicas; its status is error there.')
    DRIVER_FAILED_DELETE_SNAPSHOT = Field(
        '110', 'The share driver failed to delete the snapshot on one or '
               'more replicas; its status is error_deleting there. Contact '
               'your administrator.')
    DRIVER_FAILED_ACCESS = Field(
        '111', 'The share driver failed to apply the access rules on one or '
               'more replicas; those rules read error. Deny them and allow '
               'them again.')
    DRIVER_FAILED_SHRINKING = Field(
        '112', 'The share driver failed to shrink the share; its status is '
               'shrinking_error. Contact your administrator.')
    BACKEND_DOWN = Field(
        '113', 'The back end responsible for this operation has been down '
               'for too long: the operation was abandoned. Try it again, or '
               'delete the resource.')
    ACTIVE_REPLICA_BACKEND_DOWN = Field(
        '114', 'No storage could be allocated for this replica: the back '
               'end of the share\'s active replica is not reporting; it may '
               'be down. Try again later.')


def _fields(cls):
    return {f.id: f.text for name, f in vars(cls).items()
            if isinstance(f, Field)}


ACTIONS = _fields(Action)
DETAILS = _fields(Detail)

#: The detail of a scheduler filter that left no pool (Manila's names).
FILTER_DETAILS = {
    'AvailabilityZoneFilter': Detail.FILTER_AVAILABILITY,
    'CapabilitiesFilter': Detail.FILTER_CAPABILITIES,
    'CapacityFilter': Detail.FILTER_CAPACITY,
    'ShareReplicationFilter': Detail.FILTER_REPLICATION,
}


def no_valid_host_detail(error):
    """The detail of an exception.NoValidHost: the filter that eliminated
    the last pools, or no pool reported yet."""
    if error.kwargs.get('not_ready'):
        return Detail.SHARE_BACKEND_NOT_READY_YET
    return FILTER_DETAILS.get(error.kwargs.get('last_filter'),
                              Detail.NO_VALID_HOST)


def user_message(action_id, detail_id):
    """The text shown for a message: ``"<action>: <detail>"``."""
    return '%s: %s' % (ACTIONS.get(action_id, 'unknown action'),
                       DETAILS.get(detail_id, Detail.UNKNOWN_ERROR.text))
