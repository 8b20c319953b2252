"""Property-based: the classes of hole issue 13 closed stay closed.

Hypothesis tries odd --db paths, dates at the calendar's edges on every path that takes a date,
CSV quoting (quotes left open, huge cells) and YAML/JSON keys written twice. Every example ends
either in success or in exactly one clean error (`error: …` lines only, no exception), with the
database unchanged when it fails. Example counts stay modest: the suite must stay fast.
"""

from __future__ import annotations

import string
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import date_paths, dump, run

FEW = settings(max_examples=10, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def assert_clean(result, db, before):
    """Success, or problems only (each stderr line an error line) with the database as it was."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        lines = result.stderr.strip().splitlines()
        assert lines and all(line.startswith("error:") for line in lines), result.stderr
        assert dump(db, history=True) == before


# -- --db paths with odd characters: the data lands in exactly that file ------------------------------

odd_names = st.text(alphabet=string.ascii_letters + string.digits + "?%#&=;@!$'()[]{}~ +,-_.é漢", min_size=1,
                    max_size=20).filter(lambda name: name not in (".", "..") and not name.startswith("-"))


@FEW
@given(name=odd_names)
def test_any_db_file_name_holds_the_data_written_to_it(tmp_path_factory, name):
    folder = tmp_path_factory.mktemp("odd")
    db = folder / (name + ".db")
    result = run(db, "add", "company", "Acme")
    assert result.exit_code == 0, result.output
    assert [p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm"))] == [db.name]
    assert run(db, "doctor").exit_code == 0


# -- dates at the edges of the calendar, on every path that takes one ----------------------------------

edge_moments = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59),
                            timezones=st.none() | st.just(timezone.utc) | st.builds(
                                lambda hours: timezone(timedelta(hours=hours)), st.integers(-12, 14)))
edge_texts = st.one_of(
    edge_moments.map(lambda moment: moment.isoformat()),
    st.sampled_from(["0001-01-01", "0001-01-02", "9999-12-31", "9999-12-31T23:00:00-05:00",
                     "0001-01-01T00:00:00+01:00", "1899-12-31", "1900-01-01", "2199-12-31", "2200-01-01",
                     "+9000y", "-3000y", "+99999999d", "31/12/9999"]),
)


@FEW
@given(moment=edge_texts)
def test_every_date_path_succeeds_or_fails_cleanly_at_the_calendar_s_edges(book, tmp_path, moment):
    for args in date_paths(tmp_path, moment):
        before = dump(book, history=True)
        assert_clean(run(book, *args), book, before)
    assert run(book, "doctor").exit_code == 0


# -- CSV quoting: quotes left open, quotes in the middle of cells, huge cells --------------------------

cells = st.one_of(st.text(alphabet='ab ,"\n;', max_size=12), st.sampled_from(['"', '""', '"x', 'x"y', "\n"]),
                  st.integers(100_000, 200_000).map(lambda size: "x" * size))
rows = st.lists(st.lists(cells, min_size=1, max_size=5).map(",".join), min_size=1, max_size=6)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=rows)
def test_any_csv_quoting_imports_cleanly_or_is_one_clean_refusal(book, tmp_path, body):
    path = tmp_path / "people.csv"
    path.write_text("name,email,company,stage\n" + "\n".join(body) + "\n", encoding="utf-8")
    before = dump(book, history=True)
    result = run(book, "import", str(path), "--kind", "contacts", "--from", "custview")
    assert_clean(result, book, before)


# -- keys written twice in YAML or JSON are refused, never half-kept ------------------------------------

sections = st.sampled_from(["contacts", "companies", "notes", "signals"])


@FEW
@given(first=sections, second=sections, as_json=st.booleans(), nested=st.booleans())
def test_a_key_written_twice_is_refused_and_changes_nothing(book, tmp_path, first, second, as_json, nested):
    record = '{"name": "Amy", "name": "Bo"}' if nested else '{"name": "Amy"}'
    text = (f'{{"{first}": [{record}], "{second}": []}}' if as_json
            else f"{first}:\n  - {record}\n{second}: []\n")
    path = tmp_path / ("twice.json" if as_json else "twice.yaml")
    path.write_text(text, encoding="utf-8")
    before = dump(book, history=True)
    result = run(book, "import", str(path))
    assert_clean(result, book, before)
    if first == second or nested:
        assert result.exit_code == 1 and "appears twice" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
