"""Statuses and replica states (see replication.md)."""

STATUS_CREATING = 'creating'
STATUS_AVAILABLE = 'available'
STATUS_DELETING = 'deleting'
STATUS_ERROR = 'error'
STATUS_ERROR_DELETING = 'error_deleting'
STATUS_REPLICATION_CHANGE = 'replication_change'
STATUS_EXTENDING = 'extending'
STATUS_SHRINKING = 'shrinking'
STATUS_EXTENDING_ERROR = 'extending_error'
STATUS_SHRINKING_ERROR = 'shrinking_error'
STATUS_SHRINKING_POSSIBLE_DATA_LOSS_ERROR = \
    'shrinking_possible_data_loss_error'

STATUSES = (STATUS_CREATING, STATUS_AVAILABLE, STATUS_DELETING, STATUS_ERROR,
            STATUS_ERROR_DELETING, STATUS_REPLICATION_CHANGE,
            STATUS_EXTENDING, STATUS_SHRINKING, STATUS_EXTENDING_ERROR,
            STATUS_SHRINKING_ERROR, STATUS_SHRINKING_POSSIBLE_DATA_LOSS_ERROR)
#: Statuses a manager leaves work in; finished or failed on restart.
TRANSITIONAL_STATUSES = (STATUS_CREATING, STATUS_DELETING,
                         STATUS_REPLICATION_CHANGE, STATUS_EXTENDING,
                         STATUS_SHRINKING)

REPLICA_STATE_ACTIVE = 'active'
REPLICA_STATE_IN_SYNC = 'in_sync'
REPLICA_STATE_OUT_OF_SYNC = 'out_of_sync'
REPLICA_STATE_ERROR = 'error'
# An access rule that could not be applied (its other states: share/access.py)
ACCESS_STATE_ERROR = 'error'

REPLICA_STATES = (REPLICA_STATE_ACTIVE, REPLICA_STATE_IN_SYNC,
                  REPLICA_STATE_OUT_OF_SYNC, REPLICA_STATE_ERROR)

REPLICATION_TYPES = ('readable', 'writable', 'dr')
#: The replication types a share may have today: no driver serves
#: ``writable`` (several active copies kept consistent) yet, so the API
#: refuses a share of a writable type (400) until one does.
SERVED_REPLICATION_TYPES = ('readable', 'dr')

#: shares.task_state while a promote runs.
TASK_REPLICATION_CHANGE = 'replication_change'

#: The binary (services table) of the share managers.
BINARY_SHARE = 'manila-repl-share'
