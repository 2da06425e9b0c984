# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``records_since(..., containing=...)``, the approvals stage's single-use witness, is the unfiltered scan with the
records that do not hold the bytes left out: generated logs written by the real writer (item ids in the field the
stage reads and in others, damaged lines that hold an id, records longer than a block), every block size from
smaller than a record to the default, every ``since`` from before the first record to after the last. The positive
controls: the unfiltered scan finds the records the filter keeps, and an id in no record finds nothing."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.verify import records_since
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog

BLOCKS = [64, 300, 1024, 4096, 64 * 1024]


def _log(tmp_path: Path, seed: int) -> tuple[Path, list[str]]:
    """A log of 400 records; 12 item ids, each in a few records (as the stage's field or inside other text), with
    damaged lines that also hold ids between them."""
    rng = random.Random(seed)
    ids = [f"item-{rng.getrandbits(80):020x}" for _unused in range(12)]
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, fsync=False)
    for n in range(400):
        record: dict[str, Any] = {"event": "decision", "n": n, "decision": rng.choice(["allowed", "refused"])}
        if rng.random() < 0.15:
            record["approval_item"] = rng.choice(ids)
        if rng.random() < 0.05:
            record["note"] = f"mentions {rng.choice(ids)} in passing " + "x" * rng.randrange(0, 2000)
        assert log.append(record), log.last_error
    text = path.read_bytes().split(b"\n")
    for at in sorted(rng.sample(range(1, 390), 6), reverse=True):  # damaged lines that hold an id (never records)
        text.insert(at, b'{"approval_item":"' + rng.choice(ids).encode() + b'","torn')
    path.write_bytes(b"\n".join(text))
    return path, ids


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("block", BLOCKS)
def test_the_filtered_scan_is_the_unfiltered_scan_less_the_records_without_the_bytes(
    tmp_path: Path, seed: int, block: int
) -> None:
    path, ids = _log(tmp_path, seed)
    everything = list(records_since(path, "", block=block))
    assert len(everything) == 400  # the damaged lines are no records
    times = sorted({str(r["time"]) for r in everything})
    cut_points = ["", times[0], times[len(times) // 3], times[-1], times[-1] + "z"]
    found = 0
    for since in cut_points:
        unfiltered = list(records_since(path, since, block=block))
        for needle in [*ids, "item-00000000000000000000"]:
            expected = [r for r in unfiltered if needle in json.dumps(r, sort_keys=True, separators=(",", ":"))]
            assert list(records_since(path, since, block=block, containing=needle.encode())) == expected, (
                since,
                needle,
            )
            found += len(expected)
    assert found > 100  # the filter was exercised on records it keeps, not only on empty answers


def test_an_id_in_no_record_and_a_since_after_the_last_find_nothing(tmp_path: Path) -> None:
    path, ids = _log(tmp_path, 4)
    assert list(records_since(path, "", containing=b"item-ffffffffffffffffffff")) == []
    assert list(records_since(path, "9999", containing=ids[0].encode())) == []
    assert list(records_since(path, "", containing=ids[0].encode()))  # positive control: the same id is found
