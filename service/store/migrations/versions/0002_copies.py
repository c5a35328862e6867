"""copies: per-outlet content identity, copy_of / copy_similarity, the copy-band index

An article's content identifies it only within its outlet now: the unique constraint on
``articles.content_hash`` becomes one on ``(outlet_id, content_hash)``, and another outlet's
identical or nearly identical text is stored as a copy (``copy_of``, ``copy_similarity``).
``copy_bands`` holds the LSH band keys of every body (``clustering.copies``); the keys of the
articles already stored are computed here, so they can be found as originals.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 04:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_UQ_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
_CHUNK = 500


def _content_hash_unique(bind) -> str | None:
    """The name of the old unique constraint on content_hash (None on SQLite, where it is
    unnamed and found through the batch naming convention)."""
    for uq in sa.inspect(bind).get_unique_constraints("articles"):
        if uq.get("column_names") == ["content_hash"]:
            return uq.get("name")
    return None


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    old_name = None if sqlite else _content_hash_unique(bind)
    with op.batch_alter_table('articles', schema=None, naming_convention=_UQ_NAMES if sqlite else None) as batch_op:
        batch_op.drop_constraint(old_name or 'uq_articles_content_hash', type_='unique')
        batch_op.add_column(sa.Column('copy_of', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('copy_similarity', sa.Float(), nullable=True))
        batch_op.create_foreign_key('fk_articles_copy_of', 'articles', ['copy_of'], ['id'])
        batch_op.create_unique_constraint('uq_articles_outlet_content', ['outlet_id', 'content_hash'])
        batch_op.create_index('ix_articles_content_hash', ['content_hash'], unique=False)
        batch_op.create_index('ix_articles_copy_of', ['copy_of'], unique=False)
    op.create_table('copy_bands',
    sa.Column('band', sa.BigInteger(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ),
    sa.PrimaryKeyConstraint('band', 'article_id')
    )
    _backfill_bands(bind)


def _backfill_bands(bind) -> None:
    """Band keys of the bodies already stored (read and written in chunks)."""
    from clustering.copies import CopyParams, fingerprint

    params = CopyParams()
    articles = sa.table('articles', sa.column('id', sa.Integer), sa.column('clean_text', sa.Text))
    bands = sa.table('copy_bands', sa.column('band', sa.BigInteger), sa.column('article_id', sa.Integer))
    last = 0
    while True:
        rows = bind.execute(sa.select(articles.c.id, articles.c.clean_text).where(articles.c.id > last)
                            .order_by(articles.c.id).limit(_CHUNK)).all()
        if not rows:
            break
        keys = [{"band": k, "article_id": aid} for aid, text in rows
                for k in set(fingerprint(text or "", params).bands)]
        if keys:
            bind.execute(bands.insert(), keys)
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_table('copy_bands')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_copy_of')
        batch_op.drop_index('ix_articles_content_hash')
        batch_op.drop_constraint('uq_articles_outlet_content', type_='unique')
        batch_op.drop_constraint('fk_articles_copy_of', type_='foreignkey')
        batch_op.drop_column('copy_similarity')
        batch_op.drop_column('copy_of')
        batch_op.create_unique_constraint('uq_articles_content_hash', ['content_hash'])
