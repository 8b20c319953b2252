"""Long lists' --json and --jsonl are written row by row without json's indented writer, byte for byte as
json.dumps writes the whole list (what they printed before, and what scripts compare against)."""

import json
from contextlib import redirect_stdout
from datetime import date, datetime, timedelta, timezone
from io import StringIO

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custview.cli.terminal import _json_value, write_json_rows

MOMENTS = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                       timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-5, minutes=-30))]))
PLAIN = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), MOMENTS, st.dates())
VALUES = st.one_of(PLAIN, st.lists(PLAIN, max_size=3), st.dictionaries(st.text(max_size=5), PLAIN, max_size=3))
ROWS = st.lists(st.one_of(st.dictionaries(st.text(max_size=8), VALUES, max_size=6),
                          st.dictionaries(st.integers(), PLAIN, max_size=2), st.lists(PLAIN, max_size=2)), max_size=4)


def written(rows, **options) -> str:
    with redirect_stdout(StringIO()) as out:
        write_json_rows(iter(rows), **options)
    return out.getvalue()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS)
def test_rows_are_written_as_json_dumps_writes_them(rows):
    options = {"ensure_ascii": False, "default": _json_value}
    assert written(rows) == json.dumps(rows, indent=2, **options) + "\n"
    assert written(rows, one_per_line=True) == "".join(json.dumps(row, **options) + "\n" for row in rows)
    around = json.dumps({"subject": "Ann", "events": rows}, indent=2, **options) + "\n"
    assert written(rows, around=({"subject": "Ann"}, "events")) == around


def test_a_step_as_scripts_read_it():
    row = {"id": "S7", "step": 'Send "the" deck\n', "owner": None, "due": datetime(2026, 6, 1, 9, 30, tzinfo=timezone.utc),
           "day": date(2026, 6, 2), "count": 3, "share": 0.5, "done": False, "tags": ["a", "b"], "name": "Zoë"}
    assert written([row]) == (
        '[\n  {\n    "id": "S7",\n    "step": "Send \\"the\\" deck\\n",\n    "owner": null,\n'
        '    "due": "2026-06-01T09:30:00Z",\n    "day": "2026-06-02",\n    "count": 3,\n    "share": 0.5,\n'
        '    "done": false,\n    "tags": [\n      "a",\n      "b"\n    ],\n    "name": "Zoë"\n  }\n]\n')
    assert written([row], one_per_line=True) == (
        '{"id": "S7", "step": "Send \\"the\\" deck\\n", "owner": null, "due": "2026-06-01T09:30:00Z", '
        '"day": "2026-06-02", "count": 3, "share": 0.5, "done": false, "tags": ["a", "b"], "name": "Zoë"}\n')
    assert written([{}, {}]) == "[\n  {},\n  {}\n]\n"
