"""sources: the feeds and sitemaps newsprism polls

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 04:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('url_key', sa.String(length=700), nullable=False),
    sa.Column('outlet', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('interval_minutes', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('etag', sa.Text(), nullable=True),
    sa.Column('last_modified', sa.Text(), nullable=True),
    sa.Column('last_polled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.String(length=40), nullable=True),
    sa.Column('last_http_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('items_seen', sa.Integer(), nullable=False),
    sa.Column('articles_created', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_poll_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('url_key')
    )
    op.create_index('ix_sources_next_poll_at', 'sources', ['next_poll_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sources_next_poll_at', table_name='sources')
    op.drop_table('sources')
