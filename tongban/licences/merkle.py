"""The Merkle tree of a batch seal (批量签章): one SM2 signature over the root of an SM3 tree
whose leaves are the licences' canonical digests; each licence keeps its inclusion proof.

- leaf  = SM3(0x00 || digest)            (digest: SM3 of the licence's canonical form, 32 bytes)
- node  = SM3(0x01 || left || right)     (domain separation as in RFC 6962: a leaf is never a node)
- a level with an odd count promotes its last node unchanged to the next level.

A proof is the sibling hashes from the leaf up, each with its side; stored as
`<levels>.<side bits as hex>.<base64 of the concatenated hashes>` (bit i set: the sibling at
level i is on the left). Verification is log2(n) SM3 hashes and one comparison with the root.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes

LEAF = b"\x00"
NODE = b"\x01"


def _sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def leaf_hash(digest_hex: str) -> bytes:
    return _sm3(LEAF + bytes.fromhex(digest_hex))


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sm3(NODE + left + right)


def build(digests_hex: list[str]) -> tuple[str, list[str]]:
    """(root hex, one proof per leaf in order) of a non-empty list of digests.

    The levels are kept; a leaf's proof is then read off them by index: at each level its node
    `i` has the sibling `i ^ 1` (on the left when odd), none when it is a promoted last node."""
    if not digests_hex:
        raise ValueError("a batch needs at least one licence")
    level = [leaf_hash(d) for d in digests_hex]
    levels = [level]
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        levels.append(nxt)
        level = nxt
    below_root = levels[:-1]
    proofs = []
    for leaf in range(len(digests_hex)):
        i, depth, bits, siblings = leaf, 0, 0, []
        for nodes in below_root:
            sibling = i ^ 1
            if sibling < len(nodes):
                if i & 1:
                    bits |= 1 << depth
                siblings.append(nodes[sibling])
                depth += 1
            i >>= 1
        proofs.append(f"{depth}.{bits:x}.{base64.b64encode(b''.join(siblings)).decode()}")
    return level[0].hex(), proofs


def encode_proof(path: list[tuple[bool, bytes]]) -> str:
    bits = sum(1 << i for i, (left, _) in enumerate(path) if left)
    return f"{len(path)}.{bits:x}.{base64.b64encode(b''.join(h for _, h in path)).decode()}"


def decode_proof(proof: str) -> list[tuple[bool, bytes]]:
    """The path of a stored proof (ValueError when malformed)."""
    count_text, bits_text, blob = proof.split(".", 2)
    count, bits = int(count_text), int(bits_text, 16)
    raw = base64.b64decode(blob, validate=True)
    if count < 0 or count > 64 or len(raw) != 32 * count or bits >> count:
        raise ValueError("malformed proof")
    return [(bool(bits >> i & 1), raw[32 * i : 32 * i + 32]) for i in range(count)]


def root_of(digest_hex: str, proof: str) -> str:
    """The root a leaf and its proof lead to (ValueError when the proof is malformed)."""
    node = leaf_hash(digest_hex)
    for left, sibling in decode_proof(proof):
        node = node_hash(sibling, node) if left else node_hash(node, sibling)
    return node.hex()
