import pytest

from custview.stages import Stage


def test_the_value_path_has_eight_stages_in_order():
    assert [s.value for s in Stage] == [
        "Audience", "Researcher", "Hand Raiser", "Buyer", "Value Creator", "Adopter", "Advocate", "Champion",
    ]
    assert Stage.RESEARCHER.number == 2 and Stage.CHAMPION.number == 8


def test_each_stage_says_what_they_do_and_how_to_engage():
    assert Stage.RESEARCHER.doing == "actively investigating"
    assert Stage.RESEARCHER.role == "answer questions; enable their evaluation"
    assert all(s.doing and s.role for s in Stage)


@pytest.mark.parametrize("text", ["hand raiser", "Hand-Raiser", "HAND_RAISER", " handraiser ", "3"])
def test_stage_names_are_forgiving_about_case_and_spacing(text):
    assert Stage.parse(text) is Stage.HAND_RAISER


@pytest.mark.parametrize("text", ["Reseacher", "9", "0", ""])
def test_unknown_stages_are_errors_not_guesses(text):
    with pytest.raises(ValueError, match="unknown stage"):
        Stage.parse(text)
