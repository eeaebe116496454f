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
    __table_args__ = (Index('ix_shares_project_id', 'project_id'),)

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
    task_state: Mapped[str | None] = mapped_column(String(255))
    task_instance_id: Mapped[str | None] = mapped_column(String(36))

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
