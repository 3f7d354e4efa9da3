"""The expert-diff planner (``updater.diff.plan``), pure: two manifests in, the ops out.

No model files: manifests are written by hand, so each case shows one rule — what is
copied from the base (by name, wherever it sits there), what travels as a literal, and
that the ops rebuild the target front to back without a gap.
"""

from __future__ import annotations

import pytest

from updater.diff import Op, plan
from updater.layout import Layout, TensorSpan
from updater.manifest import Manifest, TensorHashes

HEADER = 64

Tensor = tuple[str, int, int, int, str, tuple[str, ...]]
"""(name, offset, length, n_expert, sha256, per-expert sha256s)."""


def _manifest(
    tensors: list[Tensor],
    *,
    length: int | None = None,
    header: str = "h",
    data_offset: int = HEADER,
) -> Manifest:
    spans = [TensorSpan(name, offset, size, n) for name, offset, size, n, _, _ in tensors]
    end = max((s.offset + s.length for s in spans), default=data_offset)
    length = end if length is None else length
    return Manifest(
        version="v",
        length=length,
        sha256="whole",
        header_sha256=header,
        layout=Layout(data_offset, length, tuple(spans)),
        tensors=tuple(
            TensorHashes(span, sha, experts)
            for span, (_, _, _, _, sha, experts) in zip(spans, tensors, strict=True)
        ),
    )


def _ops(ops: list[Op]) -> list[tuple[str, int, int, str | None, tuple[int, int] | None]]:
    return [(op.kind, op.target_offset, op.length, op.tensor, op.experts) for op in ops]


def _assert_rebuilds_front_to_back(ops: list[Op], target: Manifest) -> None:
    pos = 0
    for op in ops:
        assert op.target_offset == pos, (op, pos)
        assert op.length > 0
        pos += op.length
    assert pos == target.length


NORM = ("norm.weight", HEADER, 32, 0, "n1", ())
EXPS = ("blk.0.ffn_up_exps.weight", HEADER + 32, 400, 4, "e1", ("a", "b", "c", "d"))


def test_same_model_is_all_copies() -> None:
    base = _manifest([NORM, EXPS])
    ops = plan(base, base)
    assert _ops(ops) == [
        ("copy", 0, HEADER, None, None),
        ("copy", HEADER, 32, "norm.weight", None),
        ("copy", HEADER + 32, 400, "blk.0.ffn_up_exps.weight", None),
    ]
    _assert_rebuilds_front_to_back(ops, base)


def test_changed_experts_travel_alone_in_runs() -> None:
    base = _manifest([NORM, EXPS])
    target = _manifest([NORM, (*EXPS[:4], "e2", ("a", "B", "C", "d"))])
    ops = plan(base, target)
    start = HEADER + 32
    assert _ops(ops)[2:] == [
        ("copy", start, 100, "blk.0.ffn_up_exps.weight", (0, 1)),
        ("literal", start + 100, 200, "blk.0.ffn_up_exps.weight", (1, 3)),
        ("copy", start + 300, 100, "blk.0.ffn_up_exps.weight", (3, 4)),
    ]
    _assert_rebuilds_front_to_back(ops, target)


def test_every_expert_changed_is_one_literal_run() -> None:
    base = _manifest([NORM, EXPS])
    target = _manifest([NORM, (*EXPS[:4], "e2", ("A", "B", "C", "D"))])
    assert _ops(plan(base, target))[2:] == [
        ("literal", HEADER + 32, 400, "blk.0.ffn_up_exps.weight", (0, 4))
    ]


@pytest.mark.parametrize(
    ("case", "base_tensor"),
    [
        ("changed, not stacked", ("norm.weight", HEADER, 32, 0, "n2", ())),
        ("missing from the base", ("other.weight", HEADER, 32, 0, "n1", ())),
        ("another size in the base", ("norm.weight", HEADER, 48, 0, "n1", ())),
    ],
)
def test_a_tensor_the_base_cannot_give_is_a_literal(case: str, base_tensor: Tensor) -> None:
    base = _manifest([base_tensor])
    target = _manifest([NORM])
    assert _ops(plan(base, target))[1:] == [("literal", HEADER, 32, "norm.weight", None)], case


def test_another_expert_count_is_not_compared_expert_by_expert() -> None:
    base = _manifest([NORM, ("blk.0.ffn_up_exps.weight", HEADER + 32, 400, 2, "e0", ("a", "b"))])
    target = _manifest([NORM, EXPS])
    assert _ops(plan(base, target))[2:] == [
        ("literal", HEADER + 32, 400, "blk.0.ffn_up_exps.weight", None)
    ]


def test_base_pieces_are_taken_by_name_wherever_they_sit() -> None:
    # The base has another header size and order; unchanged tensors are still copied.
    base = _manifest(
        [("blk.0.ffn_up_exps.weight", 128, 400, 4, "e1", ("a", "b", "c", "d")),
         ("norm.weight", 528, 32, 0, "n1", ())],
        header="h-old", data_offset=128,
    )  # fmt: skip
    target = _manifest([NORM, EXPS])
    assert _ops(plan(base, target)) == [
        ("literal", 0, HEADER, None, None),  # another header: sent whole
        ("copy", HEADER, 32, "norm.weight", None),
        ("copy", HEADER + 32, 400, "blk.0.ffn_up_exps.weight", None),
    ]


def test_same_header_hash_at_another_size_is_sent() -> None:
    base = _manifest([("norm.weight", 96, 32, 0, "n1", ())], data_offset=96)
    target = _manifest([NORM])
    assert _ops(plan(base, target))[0] == ("literal", 0, HEADER, None, None)


def test_padding_between_tensors_and_at_the_end_is_zeros() -> None:
    target = _manifest(
        [("a.weight", HEADER + 16, 32, 0, "a", ()), ("b.weight", HEADER + 64, 32, 0, "b", ())],
        length=HEADER + 128,
    )
    ops = plan(target, target)
    assert _ops(ops) == [
        ("copy", 0, HEADER, None, None),
        ("zero", HEADER, 16, None, None),
        ("copy", HEADER + 16, 32, "a.weight", None),
        ("zero", HEADER + 48, 16, None, None),
        ("copy", HEADER + 64, 32, "b.weight", None),
        ("zero", HEADER + 96, 32, None, None),
    ]
    _assert_rebuilds_front_to_back(ops, target)


def test_a_model_without_tensors_is_its_header() -> None:
    target = _manifest([])
    assert _ops(plan(_manifest([NORM]), target)) == [("copy", 0, HEADER, None, None)]
