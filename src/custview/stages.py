"""The Value Path: the eight stages of a customer relationship, in order."""

from __future__ import annotations

import re
from enum import Enum


class Stage(str, Enum):
    """A Value Path stage; its value is the name users see and the database stores."""

    AUDIENCE = "Audience"
    RESEARCHER = "Researcher"
    HAND_RAISER = "Hand Raiser"
    BUYER = "Buyer"
    VALUE_CREATOR = "Value Creator"
    ADOPTER = "Adopter"
    ADVOCATE = "Advocate"
    CHAMPION = "Champion"

    @property
    def number(self) -> int:
        """Position on the path, 1 (Audience) to 8 (Champion)."""
        return _NUMBERS[self]

    @property
    def doing(self) -> str:
        """What a person in this stage is doing."""
        return _GUIDE[self][0]

    @property
    def role(self) -> str:
        """The user's role with a person in this stage: the engagement style."""
        return _GUIDE[self][1]

    @classmethod
    def parse(cls, text: str) -> Stage:
        """Find a stage from its name in any case/spacing ("hand-raiser") or its number; ValueError if unknown."""
        found = _BY_NAME.get(text) if isinstance(text, str) else None  # the stored names: the common case
        if found is not None:
            return found
        key = _normalise(str(text))
        if key.isdigit() and 1 <= int(key) <= len(cls):
            return list(cls)[int(key) - 1]
        for stage in cls:
            if _normalise(stage.value) == key:
                return stage
        raise ValueError(f"unknown stage {text!r} (expected one of: {', '.join(s.value for s in cls)})")


_BY_NAME: dict[str, Stage] = {stage.value: stage for stage in Stage}


def _normalise(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text.strip().lower())


_NUMBERS = {stage: number for number, stage in enumerate(Stage, 1)}  # (a property sorts a whole book's accounts)

_GUIDE = {
    Stage.AUDIENCE: ("learning, exploring", "be useful; don't push"),
    Stage.RESEARCHER: ("actively investigating", "answer questions; enable their evaluation"),
    Stage.HAND_RAISER: ("explicitly interested", "respond promptly; discover needs"),
    Stage.BUYER: ("navigating a decision", "support their internal work (business case, stakeholders)"),
    Stage.VALUE_CREATOR: ("implementing", "deliver on promises; build trust"),
    Stage.ADOPTER: ("realising value", "enable optimisation; spot expansion"),
    Stage.ADVOCATE: ("sharing success", "make sharing easy; recognise their contribution"),
    Stage.CHAMPION: ("advancing the methodology", "partner on thought leadership"),
}
