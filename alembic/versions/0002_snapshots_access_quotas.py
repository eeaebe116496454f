"""Snapshots and their per-replica instances, access rules and their
per-instance states, quotas; an index for listing instances in order.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _timestamps():
    return [sa.Column('created_at', sa.DateTime(), nullable=False),
            sa.Column('updated_at', sa.DateTime(), nullable=True)]


def upgrade():
    op.add_column('shares', sa.Column('task_size', sa.Integer(),
                                      nullable=True))
    op.create_index('ix_share_instances_created_at', 'share_instances',
                    ['created_at', 'id'])
    op.create_table(
        'share_snapshots',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('share_id', sa.String(36),
                  sa.ForeignKey('shares.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('display_name', sa.String(255), nullable=True),
        sa.Column('display_description', sa.String(255), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('share_proto', sa.String(255), nullable=False),
        *_timestamps())
    op.create_index('ix_share_snapshots_share_id', 'share_snapshots',
                    ['share_id'])
    op.create_table(
        'share_snapshot_instances',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('snapshot_id', sa.String(36),
                  sa.ForeignKey('share_snapshots.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('share_instance_id', sa.String(36),
                  sa.ForeignKey('share_instances.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('status', sa.String(255), nullable=False),
        sa.Column('progress', sa.String(255), nullable=True),
        sa.Column('provider_location', sa.String(255), nullable=True),
        sa.Column('status_message', sa.Text(), nullable=True),
        *_timestamps())
    op.create_index('ix_share_snapshot_instances_snapshot_id',
                    'share_snapshot_instances', ['snapshot_id'])
    op.create_index('ix_share_snapshot_instances_share_instance_id',
                    'share_snapshot_instances', ['share_instance_id'])
    op.create_table(
        'share_access_rules',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('share_id', sa.String(36),
                  sa.ForeignKey('shares.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('access_type', sa.String(255), nullable=False),
        sa.Column('access_to', sa.String(255), nullable=False),
        sa.Column('access_level', sa.String(2), nullable=False),
        sa.Column('metadata', sa.JSON(), nullable=False),
        *_timestamps())
    op.create_index('ix_share_access_rules_share_id', 'share_access_rules',
                    ['share_id'])
    op.create_table(
        'share_instance_access_map',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('share_instance_id', sa.String(36),
                  sa.ForeignKey('share_instances.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('access_id', sa.String(36),
                  sa.ForeignKey('share_access_rules.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('state', sa.String(255), nullable=False),
        sa.UniqueConstraint('share_instance_id', 'access_id',
                            name='uq_share_instance_access_map'),
        *_timestamps())
    op.create_index('ix_share_instance_access_map_access_id',
                    'share_instance_access_map', ['access_id'])
    op.create_table(
        'quotas',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('resource', sa.String(255), nullable=False),
        sa.Column('hard_limit', sa.Integer(), nullable=False),
        sa.UniqueConstraint('project_id', 'resource',
                            name='uq_quotas_project_resource'),
        *_timestamps())
