"""Search and sorting: folding and lexeme functions, search vectors, sort keys, typo vocabulary.

Everything here maintains itself, whoever writes the library:

* ``sonantica_fold(text)`` folds like :func:`sonantica_core.text.folding.fold`;
  ``sonantica_tokens(folded)`` cuts like :func:`sonantica_core.text.lexemes.index_lexemes`
  (space-separated), and ``sonantica_text_vector(folded, weight)`` makes a weighted tsvector of them.
* Generated columns: ``artists.sort_key`` and ``search_vector``; ``albums.sort_artist`` and
  ``search_vector``; ``tracks.sort_artist``, ``sort_position``, ``album_rank`` and
  ``search_vector`` (title A, artist and composer B).
* ``tracks.sort_album`` (the album's folded title) is kept by triggers on tracks and albums.
* ``search_words`` (the vocabulary, with one-deletion neighbourhoods for typo tolerance)
  is filled by statement triggers on artists, albums and tracks.

Nothing needs pg_trgm, unaccent or fuzzystrmatch, and nothing depends on the locale.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The character classes below repeat sonantica_core/text/folding.py and lexemes.py
# verbatim; tests compare the SQL functions with the Python ones.
STRIP_CLASS = (
    r"[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    r"\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
    r"\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u00ad\u200b-\u200d\u2060\ufeff]"
)
SPACE_CLASS = r"[\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
UPPER_SOURCE = "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩАБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯЂЄЅІЈЉЊЋЏҐØŁĐÐĦŦŊƏƎƐƑƷÞÆŒ"
UPPER_TARGET = "αβγδεζηθικλμνξοπρστυφχψωабвгдежзиклмнопрстуфхцчшщъыьэюяђєѕіјљњћџґøłđðħŧŋəǝɛƒʒþæœ"
EXPANSIONS = (("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("þ", "th"))
SINGLE_SOURCE = (
    "øłđðħıŧĸŋəǝɛƒʒɨʉƀɓɗɖƈɠƙƚɲɵƥʠɍʂƭʈʋƴƶȥς"
    "\u2018\u2019\u201a\u201b\u2032\u2035\u201c\u201d\u201e\u201f\u2033\u2036"
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
)
SINGLE_TARGET = "olddhitkneeefziubbddcgklnopqrsttvyzzσ''''''\"\"\"\"\"\"-------"
SEPARATOR_CLASS = (
    r"[\u0001-\u0025\u0028-\u002a\u002c\u003a-\u0040\u005b-\u005e\u0060\u007b-\u00bf\u00d7\u00f7"
    r"\u2000-\u206f\u2190-\u2bff\u2e00-\u2e7f\u3000-\u3004\u3008-\u3020\u3030\u303d\u30fb"
    r"\ufe10-\ufe1f\ufe30-\ufe6f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\U0001f000-\U0001faff]"
)
JOINER_CLASS = r"['\-./_&+]"
DENSE_CLASS = (
    r"[\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u3005-\u3007\u3040-\u30fa\u30fc-\u30ff"
    r"\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)
MAX_LEXEME = 255
DENSE_PAIR = "(" + DENSE_CLASS + ")(" + DENSE_CLASS + ")"
VOCABULARY_MIN, VOCABULARY_MAX = 3, 32


def q(value: str) -> str:
    """A SQL string literal (standard conforming: backslashes are literal)."""
    return "'" + value.replace("'", "''") + "'"


def _fold_sql() -> str:
    inner = f"lower(translate(regexp_replace(normalize(value, NFKD), {q(STRIP_CLASS + '+')}, '', 'g'), "
    inner += f"{q(UPPER_SOURCE)}, {q(UPPER_TARGET)}))"
    for source, target in EXPANSIONS:
        inner = f"replace({inner}, {q(source)}, {q(target)})"
    inner = f"normalize(translate({inner}, {q(SINGLE_SOURCE)}, {q(SINGLE_TARGET)}), NFC)"
    return f"btrim(regexp_replace({inner}, {q(SPACE_CLASS + '+')}, ' ', 'g'), ' ')"


def _chunks_sql() -> str:
    return f"regexp_replace(folded, {q(SEPARATOR_CLASS + '+')}, ' ', 'g')"


def _words_sql() -> str:
    """Each chunk with its joiners removed, then in its parts."""
    chunks = _chunks_sql()
    return (
        f"regexp_replace({chunks}, {q(JOINER_CLASS + '+')}, '', 'g') || ' ' || "
        f"regexp_replace({chunks}, {q(JOINER_CLASS + '+')}, ' ', 'g')"
    )


FUNCTIONS = [
    f"""
    CREATE OR REPLACE FUNCTION sonantica_fold(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$ SELECT {_fold_sql()} $fn$
    """,
    # Lexemes as a space-separated string: regular expressions over the whole text, no
    # set-returning functions, so that the generated columns stay cheap to compute.
    f"""
    CREATE OR REPLACE FUNCTION sonantica_dense_tokens(words text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
      SELECT regexp_replace(isolated, {q("(" + DENSE_CLASS + ")")}, ' \\1 ', 'g')
             || ' ' || regexp_replace(isolated, {q(DENSE_PAIR)}, ' \\1\\2 ', 'g')
             || ' ' || regexp_replace(
                         regexp_replace(isolated, {q("(^| )" + DENSE_CLASS)}, '\\1', 'g'),
                         {q(DENSE_PAIR)}, ' \\1\\2 ', 'g')
      FROM (SELECT regexp_replace(words, {q("(" + DENSE_CLASS + "+)")}, ' \\1 ', 'g') AS isolated) AS runs
    $fn$
    """,
    f"""
    CREATE OR REPLACE FUNCTION sonantica_tokens(folded text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
      SELECT regexp_replace(
        CASE WHEN folded ~ '^[a-z0-9 ]*$' THEN folded
             WHEN folded ~ {q(DENSE_CLASS)} THEN sonantica_dense_tokens({_words_sql()})
             WHEN folded ~ {q(JOINER_CLASS)} THEN {_words_sql()}
             ELSE {_chunks_sql()} END,
        '[^ ]{{{MAX_LEXEME},}}', '', 'g')
    $fn$
    """,
    """
    CREATE OR REPLACE FUNCTION sonantica_text_vector(value text, weight text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
      SELECT coalesce(regexp_replace(sonantica_tokens(value), '[^ ]+', '\\&:1' || weight, 'g'), '')::tsvector
    $fn$
    """,
    """
    CREATE OR REPLACE FUNCTION sonantica_deletions(word text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
      SELECT coalesce(array_agg(DISTINCT overlay(word placing '' from i for 1)), '{}')
      FROM generate_series(1, length(word)) AS i
    $fn$
    """,
    f"""
    CREATE OR REPLACE FUNCTION sonantica_is_vocabulary(lexeme text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
      SELECT length(lexeme) BETWEEN {VOCABULARY_MIN} AND {VOCABULARY_MAX}
             AND lexeme !~ '^[0-9]+$' AND lexeme !~ {q(DENSE_CLASS)}
    $fn$
    """,
    # Vocabulary: words of inserted rows, and of updated rows whose search vector changed.
    # No unique index on purpose: a writer never waits for another one's new words (a rare
    # duplicate is harmless: the search reads DISTINCT words).
    """
    CREATE OR REPLACE FUNCTION sonantica_words_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      INSERT INTO search_words (word)
      SELECT DISTINCT lexeme FROM new_rows, unnest(tsvector_to_array(new_rows.search_vector)) AS lexeme
      WHERE sonantica_is_vocabulary(lexeme)
        AND NOT EXISTS (SELECT 1 FROM search_words AS known WHERE known.word = lexeme)
      ORDER BY lexeme;
      RETURN NULL;
    END $fn$
    """,
    """
    CREATE OR REPLACE FUNCTION sonantica_words_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      INSERT INTO search_words (word)
      SELECT DISTINCT lexeme
      FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id,
           unnest(tsvector_to_array(new_rows.search_vector)) AS lexeme
      WHERE new_rows.search_vector IS DISTINCT FROM old_rows.search_vector
        AND sonantica_is_vocabulary(lexeme)
        AND NOT EXISTS (SELECT 1 FROM search_words AS known WHERE known.word = lexeme)
      ORDER BY lexeme;
      RETURN NULL;
    END $fn$
    """,
    # tracks.sort_album follows the album's folded title.
    """
    CREATE OR REPLACE FUNCTION sonantica_track_sort_album() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      NEW.sort_album := coalesce((SELECT albums.title_folded FROM albums WHERE albums.id = NEW.album_id), '');
      RETURN NEW;
    END $fn$
    """,
    """
    CREATE OR REPLACE FUNCTION sonantica_album_retitled() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      UPDATE tracks SET sort_album = NEW.title_folded WHERE album_id = NEW.id AND sort_album <> NEW.title_folded;
      RETURN NULL;
    END $fn$
    """,
]

TRIGGERS = [
    *(
        statement
        for table in ("artists", "albums", "tracks")
        for statement in (
            f"CREATE TRIGGER {table}_words_inserted AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION sonantica_words_inserted()",
            f"CREATE TRIGGER {table}_words_updated AFTER UPDATE ON {table} "
            f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION sonantica_words_updated()",
        )
    ),
    "CREATE TRIGGER tracks_sort_album BEFORE INSERT OR UPDATE OF album_id ON tracks "
    "FOR EACH ROW EXECUTE FUNCTION sonantica_track_sort_album()",
    "CREATE TRIGGER albums_retitled AFTER UPDATE OF title_folded ON albums "
    "FOR EACH ROW WHEN (OLD.title_folded IS DISTINCT FROM NEW.title_folded) "
    "EXECUTE FUNCTION sonantica_album_retitled()",
]

ARTIST_VECTOR = "sonantica_text_vector(name_folded, 'A') || sonantica_text_vector(sonantica_fold(sort_name), 'B')"
ALBUM_VECTOR = "sonantica_text_vector(title_folded, 'A') || sonantica_text_vector(sonantica_fold(album_artist), 'B')"
TRACK_VECTOR = (
    "sonantica_text_vector(title_folded, 'A') || sonantica_text_vector(sonantica_fold(artist), 'B') "
    "|| sonantica_text_vector(sonantica_fold(composer), 'B')"
)
PRESENT = sa.text("removed_at IS NULL")


def _generated(expression: str) -> sa.Computed:
    return sa.Computed(expression, persisted=True)


def _vector_column(expression: str) -> sa.Column:
    return sa.Column("search_vector", postgresql.TSVECTOR(), _generated(expression), nullable=False)


def _execute(sql: str) -> None:
    op.get_bind().exec_driver_sql(sql)


def upgrade() -> None:
    for statement in FUNCTIONS:
        _execute(statement)

    op.create_table(
        "search_words",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("deletions", postgresql.ARRAY(sa.Text()), _generated("sonantica_deletions(word)"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_words")),
    )
    op.create_index(op.f("ix_search_words_word"), "search_words", ["word"], unique=False)
    op.create_index("ix_search_words_deletions", "search_words", ["deletions"], postgresql_using="gin")

    op.add_column(
        "artists",
        sa.Column(
            "sort_key",
            sa.Text(),
            _generated("coalesce(nullif(sonantica_fold(sort_name), ''), name_folded)"),
            nullable=False,
        ),
    )
    op.add_column("artists", _vector_column(ARTIST_VECTOR))
    op.create_index("ix_artists_sort", "artists", ["sort_key", "id"])
    op.create_index("ix_artists_search", "artists", ["search_vector"], postgresql_using="gin")

    op.add_column(
        "albums",
        sa.Column("sort_artist", sa.Text(), _generated("coalesce(sonantica_fold(album_artist), '')"), nullable=False),
    )
    op.add_column("albums", _vector_column(ALBUM_VECTOR))
    op.create_index("ix_albums_sort_title", "albums", ["title_folded", "id"])
    op.create_index("ix_albums_sort_artist", "albums", ["sort_artist", "title_folded", "id"])
    op.create_index("ix_albums_sort_year", "albums", ["year", "id"])
    op.create_index("ix_albums_sort_added", "albums", ["created_at", "id"])
    op.create_index("ix_albums_search", "albums", ["search_vector"], postgresql_using="gin")

    op.add_column(
        "tracks",
        sa.Column("sort_artist", sa.Text(), _generated("coalesce(sonantica_fold(artist), '')"), nullable=False),
    )
    op.add_column("tracks", sa.Column("sort_album", sa.Text(), server_default="", nullable=False))
    op.add_column(
        "tracks",
        sa.Column("album_rank", sa.BigInteger(), _generated("coalesce(album_id, 0)"), nullable=False),
    )
    op.add_column(
        "tracks",
        sa.Column(
            "sort_position",
            sa.Integer(),
            _generated("coalesce(disc_number, 0)::integer * 65536 + coalesce(track_number, 0)::integer"),
            nullable=False,
        ),
    )
    op.add_column("tracks", _vector_column(TRACK_VECTOR))
    op.create_index("ix_tracks_sort_title", "tracks", ["title_folded", "id"], postgresql_where=PRESENT)
    op.create_index(
        "ix_tracks_sort_artist",
        "tracks",
        ["sort_artist", "sort_album", "album_rank", "sort_position", "id"],
        postgresql_where=PRESENT,
    )
    op.create_index(
        "ix_tracks_sort_album", "tracks", ["sort_album", "album_rank", "sort_position", "id"], postgresql_where=PRESENT
    )
    op.create_index("ix_tracks_sort_year", "tracks", ["year", "id"], postgresql_where=PRESENT)
    op.create_index("ix_tracks_sort_added", "tracks", ["added_at", "id"], postgresql_where=PRESENT)
    op.create_index("ix_tracks_sort_duration", "tracks", ["duration", "id"], postgresql_where=PRESENT)
    op.create_index("ix_tracks_search", "tracks", ["search_vector"], postgresql_using="gin")

    for statement in TRIGGERS:
        _execute(statement)
    # Without it the planner takes "artist X" as "artist X in any role" and, for someone who
    # composed thousands of tracks but performs on few, walks a whole sort index.
    _execute("CREATE STATISTICS IF NOT EXISTS st_track_artists_artist_role (mcv) ON artist_id, role FROM track_artists")
    _execute(
        "UPDATE tracks SET sort_album = albums.title_folded FROM albums "
        "WHERE albums.id = tracks.album_id AND tracks.sort_album <> albums.title_folded"
    )
    _execute(
        "INSERT INTO search_words (word) SELECT DISTINCT lexeme FROM ("
        " SELECT unnest(tsvector_to_array(search_vector)) AS lexeme FROM artists"
        " UNION SELECT unnest(tsvector_to_array(search_vector)) FROM albums"
        " UNION SELECT unnest(tsvector_to_array(search_vector)) FROM tracks) AS words "
        "WHERE sonantica_is_vocabulary(lexeme)"
    )


def downgrade() -> None:
    _execute("DROP STATISTICS IF EXISTS st_track_artists_artist_role")
    for table in ("artists", "albums", "tracks"):
        _execute(f"DROP TRIGGER IF EXISTS {table}_words_inserted ON {table}")
        _execute(f"DROP TRIGGER IF EXISTS {table}_words_updated ON {table}")
    _execute("DROP TRIGGER IF EXISTS tracks_sort_album ON tracks")
    _execute("DROP TRIGGER IF EXISTS albums_retitled ON albums")

    for name in ("search", "sort_duration", "sort_added", "sort_year", "sort_album", "sort_artist", "sort_title"):
        op.drop_index(f"ix_tracks_{name}", table_name="tracks")
    for column in ("search_vector", "sort_position", "album_rank", "sort_album", "sort_artist"):
        op.drop_column("tracks", column)
    for name in ("search", "sort_added", "sort_year", "sort_artist", "sort_title"):
        op.drop_index(f"ix_albums_{name}", table_name="albums")
    for column in ("search_vector", "sort_artist"):
        op.drop_column("albums", column)
    for name in ("search", "sort"):
        op.drop_index(f"ix_artists_{name}", table_name="artists")
    for column in ("search_vector", "sort_key"):
        op.drop_column("artists", column)
    op.drop_index("ix_search_words_deletions", table_name="search_words")
    op.drop_index(op.f("ix_search_words_word"), table_name="search_words")
    op.drop_table("search_words")
    for function in (
        "sonantica_album_retitled()",
        "sonantica_track_sort_album()",
        "sonantica_words_updated()",
        "sonantica_words_inserted()",
        "sonantica_is_vocabulary(text)",
        "sonantica_deletions(text)",
        "sonantica_text_vector(text, text)",
        "sonantica_tokens(text)",
        "sonantica_dense_tokens(text)",
        "sonantica_fold(text)",
    ):
        _execute(f"DROP FUNCTION IF EXISTS {function}")
