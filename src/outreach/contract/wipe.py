"""The signed instruction a revoked device receives, and how a device checks it.

The hub signs with an Ed25519 key whose public half the device recorded at enrolment, so
an instruction from anyone else (a forged hub, a proxy) fails ``verify`` and is ignored.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import BaseModel, ConfigDict

_DOMAIN = b"outreach-wipe-v1\n"


class WipeInstruction(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    action: str = "wipe"
    device_id: str
    issued_at: datetime
    signature: str  # base64 of the Ed25519 signature over ``signed_bytes``


def signed_bytes(device_id: str, issued_at: datetime) -> bytes:
    return _DOMAIN + f"wipe\n{device_id}\n{issued_at.isoformat()}".encode()


def public_key_text(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def sign(key: Ed25519PrivateKey, device_id: str, issued_at: datetime) -> WipeInstruction:
    signature = key.sign(signed_bytes(device_id, issued_at))
    return WipeInstruction(
        device_id=device_id,
        issued_at=issued_at,
        signature=base64.b64encode(signature).decode("ascii"),
    )


def verify(hub_key: str, instruction: WipeInstruction, device_id: str) -> bool:
    """True only for a wipe of this very device signed by the hub it enrolled with."""
    if instruction.action != "wipe" or instruction.device_id != device_id:
        return False
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(hub_key, validate=True))
        signature = base64.b64decode(instruction.signature, validate=True)
        public.verify(signature, signed_bytes(device_id, instruction.issued_at))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
