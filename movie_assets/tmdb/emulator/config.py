"""The switches of the TMDb emulator (accepted key, page cap, rate limit, injected faults)."""

from __future__ import annotations

from dataclasses import dataclass

from movie_assets.tmdb.auth import MIN_KEY_LENGTH, length_of
from movie_assets.tmdb.emulator.images import IMAGE_FAULT_KINDS

# Every fault the emulator can inject. "rank_drift" only ever applies to popularity-sorted discover pages
# after the first; the others apply to any authorised request.
FAULT_KINDS = ("500", "502", "503_html", "504", "slow", "reset", "truncated", "429", "rank_drift")


@dataclass(frozen=True)
class EmulatorConfig:
    """How the emulator behaves.

    api_key: the accepted credential, as `api_key` or `Authorization: Bearer`, at least 8 characters; None
        accepts any non-empty one.
    rate_limit: requests per second before 429 code 25; None turns the limit off.
    max_page: the highest page discover and changes serve (TMDb: 500).
    legacy_page_errors: answer page errors the pre-2019 way (HTTP 422, `{"errors": [...]}`).
    fault_rate: the share of authorised requests that get a fault drawn from `faults`.
    slow_seconds: the delay of a "slow" fault.
    overstate_total_pages: report one discover page more than exists.
    seed: seeds the fault draws, so a run is repeatable.
    image_fault_rate: the share of poster image requests (`/t/p/...`, which need no key and are not rate
        limited, as on TMDb's image host) that get a fault drawn from `image_faults`.
    image_fault_files: (file, fault) pairs, e.g. ("/bad.jpg", "500"): that file always gets that fault.
    """

    api_key: str | None = "demo-key"
    rate_limit: float | None = None
    max_page: int = 500
    legacy_page_errors: bool = False
    fault_rate: float = 0.0
    faults: tuple[str, ...] = FAULT_KINDS
    slow_seconds: float = 0.3
    overstate_total_pages: bool = False
    seed: int = 0
    image_fault_rate: float = 0.0
    image_faults: tuple[str, ...] = IMAGE_FAULT_KINDS
    image_fault_files: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.api_key == "":
            raise ValueError("api_key must be a non-empty string, or None to accept any credential")
        if self.api_key is not None and len(self.api_key.strip()) < MIN_KEY_LENGTH:
            # The client refuses keys this short, so the emulator could never be harvested with it.
            raise ValueError(
                f"api_key (--api-key) is {length_of(self.api_key.strip())} long; use at least "
                f"{MIN_KEY_LENGTH}, as TMDb clients refuse shorter keys (e.g. the default demo-key)"
            )
        if self.rate_limit is not None and not self.rate_limit > 0:
            raise ValueError(f"rate_limit must be positive requests/s or None (off), got {self.rate_limit}")
        if self.max_page < 1:
            raise ValueError(f"max_page must be at least 1, got {self.max_page}")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError(f"fault_rate must be between 0 and 1, got {self.fault_rate}")
        unknown = sorted(set(self.faults) - set(FAULT_KINDS))
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; choose from {list(FAULT_KINDS)}")
        if not 0.0 <= self.image_fault_rate <= 1.0:
            raise ValueError(f"image_fault_rate must be between 0 and 1, got {self.image_fault_rate}")
        asked = set(self.image_faults) | {kind for _, kind in self.image_fault_files}
        unknown = sorted(asked - set(IMAGE_FAULT_KINDS))
        if unknown:
            raise ValueError(f"unknown image fault kinds {unknown}; choose from {list(IMAGE_FAULT_KINDS)}")
        if self.slow_seconds < 0:
            raise ValueError(f"slow_seconds must not be negative, got {self.slow_seconds}")
