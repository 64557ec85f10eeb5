"""Request bodies of the customer routes: strict models (unknown keys refused, sizes bounded)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Longest customer note (a few paragraphs of context for teammates).
MAX_CUSTOMER_NOTES = 4000
#: Tags a customer may carry, and the longest tag.
MAX_TAGS, MAX_TAG = 20, 40
#: What a customer id looks like (checked before any read).
CUSTOMER_ID = r"^cus_[0-9a-f]{24}$"

Tag = Annotated[str, Field(min_length=1, max_length=MAX_TAG, pattern=r"^[\w][\w .:/+-]*$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CustomerEditBody(_Body):
    """A change to a customer's teammate-written fields, and the version the teammate edited (stale: 409)."""

    notes: Annotated[str, Field(max_length=MAX_CUSTOMER_NOTES)] | None = None
    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)] | None = None
    version: Annotated[int, Field(ge=1)]

    @field_validator("tags")
    @classmethod
    def _distinct(cls, tags: list[str] | None) -> list[str] | None:
        if tags is None:
            return None
        seen: list[str] = []
        for tag in (t.strip() for t in tags):
            if tag.casefold() not in {s.casefold() for s in seen}:
                seen.append(tag)
        return seen


class CustomerLinkBody(_Body):
    """The other customer of a merge or unmerge."""

    other: Annotated[str, Field(pattern=CUSTOMER_ID)]
