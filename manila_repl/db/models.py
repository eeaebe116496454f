"""SQLAlchemy 2 typed models. Alembic migrations in alembic/ must match them
(tests/functional/db/test_migrations.py compares the two)."""
import datetime
import uuid

from oslo_utils import timeutils
from sqlalchemy import (Boolean, DateTime, ForeignKey, Index, Integer, JSON,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def _uuid():
    return str(uuid.uuid4())


def _now():
    return timeutils.utcnow()


class Base(DeclarativeBase):
    pass


class TimestampMixin:
    created_at: Mapped[datetime.datetime] = mapped_column(
        DateTime, default=_now, nullable=False)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, onupdate=_now)


class AvailabilityZone(TimestampMixin, Base):
    __tablename__ = 'availability_zones'

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=_uuid)
    name: Mapped[str] = mapped_column(String(255), unique=True)


class ShareType(TimestampMixin, Base):
    __tablename__ = 'share_types'

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=_uuid)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)

    extra_specs: Mapped[list['ShareTypeExtraSpec']] = relationship(
        back_populates='share_type', cascade='all, delete-orphan',
        lazy='selectin')


class ShareTypeExtraSpec(Base):
    __tablename__ = 'share_type_extra_specs'
    __table_args__ = (UniqueConstraint('share_type_id', 'spec_key',
                                       name='uq_share_type_extra_specs_key'),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    share_type_id: Mapped[str] = mapped_column(
        String(36), ForeignKey('share_types.id', ondelete='CASCADE'))
    spec_key: Mapped[str] = mapped_column(String(255))
    spec_value: Mapped[str] = mapped_column(String(255))

    share_type: Mapped[ShareType] = relationship(back_populates='extra_specs')


class Share(TimestampMixin, Base):
    """A share; its data lives in its instances (the replicas).

    ``task_state`` is the per-share guard of replication work that must not
    overlap (a promote): taken and released with conditional UPDATEs.
    """
    __tablename__ = 'shares'
    __table_args__ = (Index('ix_shares_project_id', 'project_id'),
                      Index('ix_shares_snapshot_id', 'snapshot_id'))

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=_uuid)
    project_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    display_description: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    share_proto: Mapped[str] = mapped_column(String(255))
    share_type_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey('share_types.id'))
    replication_type: Mapped[str | None] = mapped_column(String(255))
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    metadata_: Mapped[dict] = mapped_column('metadata', JSON, default=dict)
    #: The snapshot the share was created from (kept after it is deleted).
    snapshot_id: Mapped[str | None] = mapped_column(String(36))
    task_state: Mapped[str | None] = mapped_column(String(255))
    task_instance_id: Mapped[str | None] = mapped_column(String(36))
    #: The size a resize in progress goes to (with task_state extending or
    #: shrinking): what a restarted manager resumes.
    task_size: Mapped[int | None] = mapped_column(Integer)

    instances: Mapped[list['ShareInstance']] = relationship(
        back_populates='share', lazy='selectin',
        order_by='ShareInstance.created_at')
    share_type: Mapped[ShareType | None] = relationship(lazy='joined')


class ShareInstance(TimestampMixin, Base):
    """One copy of a share on one pool: the replica."""
    __tablename__ = 'share_instances'
    __table_args__ = (
        Index('ix_share_instances_share_id', 'share_id'),
        Index('ix_share_instances_host', 'host'),
        Index('ix_share_instances_status', 'status'),
        # Lists page in (created_at, id) order.
        Index('ix_share_instances_created_at', 'created_at', 'id'),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=_uuid)
    share_id: Mapped[str] = mapped_column(
        String(36), ForeignKey('shares.id', ondelete='CASCADE'))
    host: Mapped[str | None] = mapped_column(String(255))
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(255))
    replica_state: Mapped[str | None] = mapped_column(String(255))
    cast_rules_to_readonly: Mapped[bool] = mapped_column(Boolean,
                                                         default=False)
    last_sync_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    status_message: Mapped[str | None] = mapped_column(Text)

    share: Mapped[Share] = relationship(back_populates='instances')
    export_locations: Mapped[list['ShareExportLocation']] = relationship(
        back_populates='share_instance', cascade='all, delete-orphan',
        lazy='selectin', order_by='ShareExportLocation.id')


class ShareExportLocation(TimestampMixin, Base):
    __tablename__ = 'share_export_locations'
    __table_args__ = (Index('ix_share_export_locations_instance',
                            'share_instance_id'),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_uuid)
    share_instance_id: Mapped[str] = mapped_column(
        String(36), ForeignKey('share_instances.id', ondelete='CASCADE'))
    path: Mapped[str] = mapped_column(String(2000))
    is_admin_only: Mapped[bool] = mapped_column(Boolean, default=False)
    preferred: Mapped[bool] = mapped_column(Boolean, default=False)

    share_instance: Mapped[ShareInstance] = relationship(
        back_populates='export_locations')


class Service(TimestampMixin, Base):
    """A running daemon; ``updated_at`` is its last heartbeat."""
    __tablename__ = 'services'
    __table_args__ = (UniqueConstraint('host', 'binary',
                                       name='uq_services_host_binary'),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    host: Mapped[str] = mapped_column(String(255))
    binary: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(255))
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Why the service reports itself down (a share backend its manager
    #: cannot reach or set up); None while it is up.
    state_reason: Mapped[str | None] = mapped_column(Text)


class ShareSnapshot(TimestampMixin, Base):
    """A user snapshot of a share; its copies are the snapshot instances,
    one per replica (the design: snapshots span every replica)."""
    __tablename__ = 'share_snapshots'
    __table_args__ = (Index('ix_share_snapshots_share_id', 'share_id'),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=_uuid)
    share_id: Mapped[str] = mapped_column(
        String(36), ForeignKey('shares.id', ondelete='CASCADE'))
    project_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    display_description: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    share_proto: Mapped[str] = mapped_column(String(255))

    instances: Mapped[list['ShareSnapshotInstance']] = relationship(
        back_populates='snapshot', lazy='selectin',
        cascade='all, delete-orphan')


class ShareSnapshotInstance(TimestampMixin, Base):
    """A snapshot's copy on one replica."""
    __tablename__ = 'share_snapshot_instances'
    __table_args__ = (
        Index('ix_share_snapshot_instances_snapshot_id', 'snapshot_id'),
        Index('ix_share_snapshot_instances_share_instance_id',
              'share_instance_id'),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=_uuid)
    snapshot_id: Mapped[str] = mapped_column(
        String(36), ForeignKey('share_snapshots.id', ondelete='CASCADE'))
    share_instance_id: Mapped[str] = mapped_column(
        String(36), ForeignKey('share_instances.id', ondelete='CASCADE'))
    status: Mapped[str] = mapped_column(String(255))
    progress: Mapped[str | None] = mapped_column(String(255))
    provider_location: Mapped[str | None] = mapped_column(String(255))
    status_message: Mapped[str | None] = mapped_column(Text)

    snapshot: Mapped[ShareSnapshot] = relationship(back_populates='instances')


class ShareAccessRule(TimestampMixin, Base):
    """An access rule of a share; applied on every instance (mapping)."""
    __tablename__ = 'share_access_rules'
    __table_args__ = (Index('ix_share_access_rules_share_id', 'share_id'),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=_uuid)
    share_id: Mapped[str] = mapped_column(
        String(36), ForeignKey('shares.id', ondelete='CASCADE'))
    access_type: Mapped[str] = mapped_column(String(255))
    access_to: Mapped[str] = mapped_column(String(255))
    access_level: Mapped[str] = mapped_column(String(2))
    metadata_: Mapped[dict] = mapped_column('metadata', JSON, default=dict)

    instance_mappings: Mapped[list['ShareInstanceAccessMap']] = relationship(
        back_populates='access_rule', lazy='selectin',
        cascade='all, delete-orphan')


class ShareInstanceAccessMap(TimestampMixin, Base):
    """The state of one access rule on one share instance."""
    __tablename__ = 'share_instance_access_map'
    __table_args__ = (
        UniqueConstraint('share_instance_id', 'access_id',
                         name='uq_share_instance_access_map'),
        Index('ix_share_instance_access_map_access_id', 'access_id'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    share_instance_id: Mapped[str] = mapped_column(
        String(36), ForeignKey('share_instances.id', ondelete='CASCADE'))
    access_id: Mapped[str] = mapped_column(
        String(36), ForeignKey('share_access_rules.id', ondelete='CASCADE'))
    state: Mapped[str] = mapped_column(String(255))
    #: Why the rule is in error on this instance (the driver's reason).
    state_reason: Mapped[str | None] = mapped_column(Text)

    access_rule: Mapped[ShareAccessRule] = relationship(
        back_populates='instance_mappings')


class Quota(TimestampMixin, Base):
    """A project's hard limit for one resource (absent: the default)."""
    __tablename__ = 'quotas'
    __table_args__ = (UniqueConstraint('project_id', 'resource',
                                       name='uq_quotas_project_resource'),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int] = mapped_column(Integer)


class QuotaProject(TimestampMixin, Base):
    """A project that quota checks have seen; its row is what every quota
    check of the project locks before it counts, so that two checks of one
    project, in any API process, never count at the same time."""
    __tablename__ = 'quota_projects'

    project_id: Mapped[str] = mapped_column(String(255), primary_key=True)


class Message(TimestampMixin, Base):
    """A user message: why an asynchronous operation of a project failed
    (Manila's user messages, 2.37+). Its text comes from ``action_id`` and
    ``detail_id`` (manila_repl/message_fields.py); the row goes when it
    expires (``expires_at``, purged by the scheduler) or is deleted."""
    __tablename__ = 'messages'
    __table_args__ = (
        Index('ix_messages_project_id', 'project_id', 'created_at'),
        Index('ix_messages_resource_id', 'resource_id'),
        Index('ix_messages_expires_at', 'expires_at'),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=_uuid)
    project_id: Mapped[str] = mapped_column(String(255))
    request_id: Mapped[str | None] = mapped_column(String(255))
    resource_type: Mapped[str] = mapped_column(String(255))
    resource_id: Mapped[str | None] = mapped_column(String(36))
    action_id: Mapped[str] = mapped_column(String(10))
    detail_id: Mapped[str] = mapped_column(String(10))
    message_level: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTime)
