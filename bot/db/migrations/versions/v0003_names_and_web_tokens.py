"""member_names (display names for the web pages); web tokens for clip and session links

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

Existing clips and sessions keep no token (NULL): their old short-id links keep working; every
new one gets 128 random bits (``bot.db.ids.new_web_token``) and is linked only by its token.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENED = ("clips", "sessions")


def upgrade() -> None:
    op.create_table(
        "member_names",
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guilds.id"],
            name=op.f("fk_member_names_guild_id_guilds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_member_names_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("guild_id", "user_id", name=op.f("pk_member_names")),
    )
    op.create_index(op.f("ix_member_names_user_id"), "member_names", ["user_id"])
    # A plain ADD COLUMN and a unique index (not a table rebuild: on SQLite, rebuilding clips or
    # sessions would fire the ON DELETE actions of the tables that reference them).
    for table in TOKENED:
        op.add_column(table, sa.Column("web_token", sa.String(length=32), nullable=True))
        op.create_index(op.f(f"ix_{table}_web_token"), table, ["web_token"], unique=True)


def downgrade() -> None:
    for table in TOKENED:
        op.drop_index(op.f(f"ix_{table}_web_token"), table_name=table)
        op.drop_column(table, "web_token")  # SQLite >= 3.35 drops a plain column in place
    op.drop_index(op.f("ix_member_names_user_id"), table_name="member_names")
    op.drop_table("member_names")
