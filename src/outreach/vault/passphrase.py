"""How strong a new passphrase is, and whether it is strong enough to accept."""

from __future__ import annotations

from dataclasses import dataclass

MIN_LENGTH = 10
MIN_SCORE = 3
# zxcvbn only looks at the start of very long inputs; it gets slow past this.
_SCORED_PREFIX = 100


@dataclass(frozen=True)
class Strength:
    score: int  # 0 (guessable in seconds) .. 4 (very hard to guess)
    long_enough: bool

    @property
    def acceptable(self) -> bool:
        return self.long_enough and self.score >= MIN_SCORE


def assess(passphrase: str, *, user_words: tuple[str, ...] = ()) -> Strength:
    if not passphrase:
        return Strength(0, False)
    # Imported here: its dictionaries cost ~60 MiB and most start-ups only unlock.
    from zxcvbn import zxcvbn

    result = zxcvbn(passphrase[:_SCORED_PREFIX], user_inputs=list(user_words))
    return Strength(int(result["score"]), len(passphrase) >= MIN_LENGTH)
