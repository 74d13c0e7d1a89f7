"""Holder codes (持证主体代码): their blind index and what pages may show of them."""

from __future__ import annotations

from tongban.core.crypto import blind_index
from tongban.core.identifiers import mask_resident_id, normalize

from .enums import HolderCodeType


def holder_index(holder_code: str, code_type: str) -> str:
    """The blind index of a holder code. Resident ID numbers use the purpose "id", the same as
    the accounts app's, so a person's licences are found from their account's index; credit
    codes use "credit"."""
    purpose = "id" if code_type == HolderCodeType.RESIDENT_ID else "credit"
    return blind_index(normalize(holder_code), purpose=purpose)


def masked(holder_code: str, code_type: str) -> str:
    """ID numbers masked (4201**********123X); credit codes are public and shown whole."""
    return mask_resident_id(holder_code) if code_type == HolderCodeType.RESIDENT_ID else holder_code
