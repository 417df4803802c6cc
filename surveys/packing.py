"""A submission's submitted answers packed as one binary value, for fast recomputes.

Each answer is 8 bytes in network byte order (as PostgreSQL's int4send/int2send write
them): node id (int32), measure code (int16), value code (int16; 0 for a comment). A
national-scale round (2,000 experts × 700 topics × 5 questions) is then 2,000 values to read
rather than 7 million rows. The answer rows stay the record; the packed copy is rewritten
whenever they change, in the same transaction.
"""

import numpy as np

from .models import Answer, PackedAnswers, Submission

PACKED = np.dtype([("node", ">i4"), ("measure", ">i2"), ("code", ">i2")])


def pack(node: np.ndarray, measure: np.ndarray, code: np.ndarray) -> bytes:
    table = np.empty(len(node), dtype=PACKED)
    table["node"], table["measure"], table["code"] = node, measure, code
    return table.tobytes()


def unpack(blob: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(blob, dtype=PACKED)


def submission_pack(*, submission: Submission) -> None:
    """Rewrite the packed copy of the submission's submitted answers from its rows."""
    rows = list(
        Answer.objects.filter(submission=submission, draft=False).values_list(
            "node_id", "measure", "code"
        )
    )
    table = np.array([(n, m, c or 0) for n, m, c in rows], dtype=np.int64).reshape(-1, 3)
    PackedAnswers.objects.update_or_create(
        submission=submission, defaults={"data": pack(table[:, 0], table[:, 1], table[:, 2])}
    )
