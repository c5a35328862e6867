"""store_meta: the store's identity (a random id, written here once)

Cached answers that depend on the store (search, match, comparisons, summaries, pages) carry
this id in their keys, so two stores sharing one Redis never serve each other's answers,
even with the same ingest counter or story ids (``service.store.identity``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 08:00:00
"""
import uuid
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('store_meta',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(table, [{'id': 1, 'store_id': uuid.uuid4().hex, 'created_at': datetime.now(timezone.utc)}])


def downgrade() -> None:
    op.drop_table('store_meta')
