"""Initial schema: share types, shares, share instances, export locations,
services, availability zones.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def _timestamps():
    return [sa.Column('created_at', sa.DateTime(), nullable=False),
            sa.Column('updated_at', sa.DateTime(), nullable=True)]


def upgrade():
    op.create_table(
        'availability_zones',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False, unique=True),
        *_timestamps())
    op.create_table(
        'share_types',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False, unique=True),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('is_public', sa.Boolean(), nullable=False),
        *_timestamps())
    op.create_table(
        'share_type_extra_specs',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('share_type_id', sa.String(36),
                  sa.ForeignKey('share_types.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('spec_key', sa.String(255), nullable=False),
        sa.Column('spec_value', sa.String(255), nullable=False),
        sa.UniqueConstraint('share_type_id', 'spec_key',
                            name='uq_share_type_extra_specs_key'))
    op.create_table(
        'shares',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('display_name', sa.String(255), nullable=True),
        sa.Column('display_description', sa.String(255), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('share_proto', sa.String(255), nullable=False),
        sa.Column('share_type_id', sa.String(36),
                  sa.ForeignKey('share_types.id'), nullable=True),
        sa.Column('replication_type', sa.String(255), nullable=True),
        sa.Column('is_public', sa.Boolean(), nullable=False),
        sa.Column('metadata', sa.JSON(), nullable=False),
        sa.Column('task_state', sa.String(255), nullable=True),
        sa.Column('task_instance_id', sa.String(36), nullable=True),
        *_timestamps())
    op.create_index('ix_shares_project_id', 'shares', ['project_id'])
    op.create_table(
        'share_instances',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('share_id', sa.String(36),
                  sa.ForeignKey('shares.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('host', sa.String(255), nullable=True),
        sa.Column('availability_zone', sa.String(255), nullable=True),
        sa.Column('status', sa.String(255), nullable=False),
        sa.Column('replica_state', sa.String(255), nullable=True),
        sa.Column('cast_rules_to_readonly', sa.Boolean(), nullable=False),
        sa.Column('last_sync_at', sa.DateTime(), nullable=True),
        sa.Column('status_message', sa.Text(), nullable=True),
        *_timestamps())
    op.create_index('ix_share_instances_share_id', 'share_instances',
                    ['share_id'])
    op.create_index('ix_share_instances_host', 'share_instances', ['host'])
    op.create_index('ix_share_instances_status', 'share_instances',
                    ['status'])
    op.create_table(
        'share_export_locations',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False, unique=True),
        sa.Column('share_instance_id', sa.String(36),
                  sa.ForeignKey('share_instances.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('path', sa.String(2000), nullable=False),
        sa.Column('is_admin_only', sa.Boolean(), nullable=False),
        sa.Column('preferred', sa.Boolean(), nullable=False),
        *_timestamps())
    op.create_index('ix_share_export_locations_instance',
                    'share_export_locations', ['share_instance_id'])
    op.create_table(
        'services',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('binary', sa.String(255), nullable=False),
        sa.Column('topic', sa.String(255), nullable=False),
        sa.Column('availability_zone', sa.String(255), nullable=True),
        sa.Column('disabled', sa.Boolean(), nullable=False),
        sa.Column('report_count', sa.Integer(), nullable=False),
        sa.UniqueConstraint('host', 'binary', name='uq_services_host_binary'),
        *_timestamps())
