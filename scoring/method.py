"""The scoring method of `method.md` (sections 2-4) as pure, vectorised functions.

This module imports nothing from Django: it takes one round's answers as integer columns
(`AnswerArrays`) and returns the `panel` and `results` parts of a `delphi-results/1` document
(`spec/bundle.md`, "Results"), made of plain JSON-able Python values.

Two rules shape the implementation:

- Every threshold comparison is exact (method.md §3, platform rule): thresholds are `Fraction`s
  and comparisons are made on integer counts (`count * den > num * n`) or on exact fractions.
- Every figure is computed exactly (integer or `Fraction` arithmetic on per-leaf histograms) and
  rounded once, when converted to `float` for the output. The exceptions are `kendall_p` (scipy's
  chi-square survival function of the exact statistic) and `sd`, computed with
  `numpy.std(ddof=1)` over the answers in ascending expert-id order, because that is what the
  golden results in `shared/examples/` were computed with: the correctly rounded value
  (`statistics.stdev`) differs from them in the last digit for 17 of their 100 `sd` figures.

The answers are packed into one int64 key per row and sorted once (`np.sort` on int64 is several
times faster than `np.argsort`); everything else is `np.bincount` over the sorted columns, so the
cost is one sort plus a few linear passes (about 6 million rows for 2,000 experts x 700 leaves).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from fractions import Fraction
from itertools import accumulate
from typing import Any, TypeGuard

import numpy as np
import numpy.typing as npt
from scipy import stats

IntArray = npt.NDArray[np.int64]
CodeArray = npt.NDArray[np.integer[Any]]  # small codes kept in narrow dtypes (int8, int16)
BoolArray = npt.NDArray[np.bool_]

# Measure code = index in MEASURES (the DB stores it as a small integer).
MEASURES: tuple[str, ...] = (
    "familiarity",
    "importance",
    "maturity",
    "regional_advantage",
    "investment",
    "stages",
    "comment",
)
FAMILIARITY, IMPORTANCE, MATURITY, REGIONAL_ADVANTAGE, INVESTMENT, STAGES, COMMENT = range(7)
MEASURE_CODES: dict[str, int] = {name: code for code, name in enumerate(MEASURES)}

# Value codes: index in the choice tuple; stages are a bitmask (rd=1, production=2,
# industrialization=4; 0 is the empty set, which method.md §2 allows).
MATURITY_CHOICES: tuple[str, ...] = ("achieved", "short", "medium", "long", "unpredictable")
VERDICT_CHOICES: tuple[str, ...] = ("yes", "no", "unsure")
STAGE_CHOICES: tuple[str, ...] = ("rd", "production", "industrialization")
STAGE_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(STAGE_CHOICES)}
DONT_KNOW = -1  # importance "dont_know"; numeric importance and familiarity are coded as themselves
FAMILIARITY_SCALE: tuple[int, int] = (1, 5)  # method.md §2: "integer 1-5"

# The measures that get a result entry, in output order (bundle.md: sorted by measure name).
SCORED_MEASURES: tuple[str, ...] = tuple(
    sorted(("importance", "maturity", "regional_advantage", "investment", "stages"))
)

# Importance ratings are packed into a few bits of the sort key and histogrammed per leaf, so the
# scale is bounded; any survey scale fits. 0 is the lowest allowed so that DONT_KNOW (-1) can
# never be a rating.
MAX_IMPORTANCE = 100

_MEASURE_SLOTS = 8  # measure codes use 3 bits of the packed key

DEFAULT_MATURITY_YEARS: dict[str, int] = {
    "achieved": 0,
    "short": 5,
    "medium": 10,
    "long": 15,
    "unpredictable": 30,
}


# ---------------------------------------------------------------------------------------------
# Value codes
# ---------------------------------------------------------------------------------------------


def _is_int(value: object) -> TypeGuard[int | np.integer[Any]]:
    # bool is an int subclass, but True is not a rating.
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def encode_value(measure: str, value: Any) -> int:
    """The integer code of an answer's value (see the module constants)."""
    if measure == "familiarity":
        low, high = FAMILIARITY_SCALE
        if not _is_int(value) or not low <= value <= high:
            raise ValueError(f"familiarity must be an integer from {low} to {high}, got {value!r}")
        return int(value)
    if measure == "importance":
        if isinstance(value, str):
            if value == "dont_know":
                return DONT_KNOW
            raise ValueError(f"importance must be an integer or 'dont_know', got {value!r}")
        if not _is_int(value) or not 0 <= value <= MAX_IMPORTANCE:
            raise ValueError(
                f"importance must be an integer from 0 to {MAX_IMPORTANCE} or 'dont_know', "
                f"got {value!r}"
            )
        return int(value)
    if measure == "maturity":
        return _choice_index("maturity", MATURITY_CHOICES, value)
    if measure in ("regional_advantage", "investment"):
        return _choice_index(measure, VERDICT_CHOICES, value)
    if measure == "stages":
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise ValueError(f"stages must be a list of {list(STAGE_CHOICES)}, got {value!r}")
        mask = 0
        for stage in value:
            if not isinstance(stage, str) or stage not in STAGE_BITS:
                raise ValueError(f"unknown stage {stage!r}; expected one of {list(STAGE_CHOICES)}")
            if mask & STAGE_BITS[stage]:
                raise ValueError(f"stage {stage!r} is listed twice")
            mask |= STAGE_BITS[stage]
        return mask
    if measure == "comment":
        if not isinstance(value, str):
            raise ValueError(f"comment must be a string, got {value!r}")
        return 0  # the text is not the engine's business; comments only count as responses
    raise ValueError(f"unknown measure {measure!r}; expected one of {list(MEASURES)}")


def _choice_index(measure: str, choices: tuple[str, ...], value: object) -> int:
    if isinstance(value, str) and value in choices:
        return choices.index(value)
    raise ValueError(f"unknown {measure} choice {value!r}; expected one of {list(choices)}")


def decode_value(measure: str, code: int) -> Any:
    """The inverse of `encode_value`; `comment` decodes to None (its text is stored elsewhere)."""
    if not _is_int(code):
        raise ValueError(f"a value code must be an integer, got {code!r}")
    code = int(code)
    if measure == "familiarity":
        low, high = FAMILIARITY_SCALE
        if not low <= code <= high:
            raise ValueError(f"unknown familiarity code {code}")
        return code
    if measure == "importance":
        if code == DONT_KNOW:
            return "dont_know"
        if not 0 <= code <= MAX_IMPORTANCE:
            raise ValueError(f"unknown importance code {code}")
        return code
    if measure == "maturity":
        return _choice_name("maturity", MATURITY_CHOICES, code)
    if measure in ("regional_advantage", "investment"):
        return _choice_name(measure, VERDICT_CHOICES, code)
    if measure == "stages":
        if not 0 <= code < 1 << len(STAGE_CHOICES):
            raise ValueError(f"unknown stages code {code}")
        return [name for name in STAGE_CHOICES if code & STAGE_BITS[name]]
    if measure == "comment":
        if code != 0:
            raise ValueError(f"unknown comment code {code}")
        return None
    raise ValueError(f"unknown measure {measure!r}; expected one of {list(MEASURES)}")


def _choice_name(measure: str, choices: tuple[str, ...], code: int) -> str:
    if not 0 <= code < len(choices):
        raise ValueError(f"unknown {measure} code {code}")
    return choices[code]


# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------


def _exact(key: str, value: object, *, strings: bool = True) -> Fraction:
    """A setting as an exact fraction; a float means its shortest decimal (0.6 is exactly 3/5)."""
    if isinstance(value, bool):
        raise ValueError(f"settings.{key} must be a number, got {value!r}")
    if isinstance(value, Fraction):
        return value
    if _is_int(value):
        return Fraction(int(value))
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            raise ValueError(f"settings.{key} must be finite, got {value!r}")
        return Fraction(str(float(value)))
    if strings and isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(
                f"settings.{key} must be a number or a fraction like '2/3', got {value!r}"
            ) from exc
    kind = "a number or a fraction like '2/3'" if strings else "a number"
    raise ValueError(f"settings.{key} must be {kind}, got {value!r}")


def _plain_number(value: Fraction) -> int | float:
    """How a number setting is kept and exported: an int when integral (JSON `5`, not `5.0`)."""
    return int(value) if value.denominator == 1 else float(value)


@dataclass(frozen=True)
class MethodSettings:
    """A study's method settings (bundle.md `settings`); every field has method.md's default.

    Direct construction normalises and validates like `from_dict`: ratios become `Fraction`s
    (a float through its decimal string), number settings become int when integral.
    """

    maturity_years: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MATURITY_YEARS))
    advantage_ratio: Fraction = Fraction(2, 3)  # method.md §3: "more than 2/3"
    stage_suitable_above: Fraction = Fraction(3, 5)  # §3: "more than 60%"
    stage_disputed_from: Fraction = Fraction(3, 10)  # §3: "from 30% to 60%, both ends included"
    importance_scale: tuple[int, int] = (1, 5)  # §2: 1-5 by default
    allow_dont_know: bool = False
    agreement_from: int = 4  # §4: "at least 4 on the default 1-5 scale"
    consensus_rule: str = "iqr"  # §4: `iqr` (the default) or `agreement`
    agreement_threshold: Fraction = Fraction(3, 4)  # §4: "agreement_share > 0.75"
    importance_consensus_iqr: float = 1  # §4: "iqr <= 1"
    maturity_consensus_iqr: float = 5  # §4: "iqr <= 5 years"
    stability_changed_share: Fraction = Fraction(3, 20)  # §4: "stable when it is below 15%"
    # Delphi feedback: whether an answer outside the previous round's IQR needs a reason.
    reason_required: bool = False

    def __post_init__(self) -> None:
        put = object.__setattr__  # frozen: normalise in place once, at construction

        years = self.maturity_years
        if not isinstance(years, Mapping):
            raise ValueError("settings.maturity_years must be an object mapping choices to years")
        merged: dict[str, float] = dict(DEFAULT_MATURITY_YEARS)
        for choice, raw in years.items():
            if choice not in MATURITY_CHOICES:
                raise ValueError(
                    f"settings.maturity_years has unknown choice {choice!r}; "
                    f"expected some of {list(MATURITY_CHOICES)}"
                )
            exact = _exact(f"maturity_years.{choice}", raw, strings=False)
            if exact < 0:
                raise ValueError(f"settings.maturity_years.{choice} must be >= 0, got {raw!r}")
            merged[choice] = _plain_number(exact)
        put(self, "maturity_years", merged)

        for key in (
            "advantage_ratio",
            "stage_suitable_above",
            "stage_disputed_from",
            "agreement_threshold",
            "stability_changed_share",
        ):
            value = _exact(key, getattr(self, key))
            if not 0 <= value <= 1:
                raise ValueError(f"settings.{key} must be between 0 and 1, got {value}")
            put(self, key, value)
        if self.advantage_ratio < Fraction(1, 2):
            # Below 1/2, "yes" and "no" could both be a majority (method.md §3).
            raise ValueError(
                f"settings.advantage_ratio must be at least 1/2, got {self.advantage_ratio}"
            )
        if self.stage_disputed_from > self.stage_suitable_above:
            raise ValueError(
                "settings.stage_disputed_from must not exceed settings.stage_suitable_above"
            )

        scale = self.importance_scale
        if (
            isinstance(scale, str | bytes | Mapping)
            or not isinstance(scale, Sequence)
            or len(scale) != 2
            or not all(_is_int(bound) for bound in scale)
        ):
            raise ValueError(
                f"settings.importance_scale must be [low, high] integers, got {scale!r}"
            )
        low, high = int(scale[0]), int(scale[1])
        if not 0 <= low < high <= MAX_IMPORTANCE:
            raise ValueError(
                f"settings.importance_scale must satisfy 0 <= low < high <= {MAX_IMPORTANCE}, "
                f"got {[low, high]}"
            )
        put(self, "importance_scale", (low, high))

        if not isinstance(self.allow_dont_know, bool):
            raise ValueError(
                f"settings.allow_dont_know must be true or false, got {self.allow_dont_know!r}"
            )
        if not isinstance(self.reason_required, bool):
            raise ValueError(
                f"settings.reason_required must be true or false, got {self.reason_required!r}"
            )
        if not _is_int(self.agreement_from) or not low <= self.agreement_from <= high:
            raise ValueError(
                f"settings.agreement_from must be an integer on the importance scale "
                f"{low}-{high}, got {self.agreement_from!r}"
            )
        put(self, "agreement_from", int(self.agreement_from))
        if self.consensus_rule not in ("iqr", "agreement"):
            raise ValueError(
                f"settings.consensus_rule must be 'iqr' or 'agreement', got {self.consensus_rule!r}"
            )
        for key in ("importance_consensus_iqr", "maturity_consensus_iqr"):
            value = _exact(key, getattr(self, key), strings=False)
            if value < 0:
                raise ValueError(f"settings.{key} must be >= 0, got {value}")
            put(self, key, _plain_number(value))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> MethodSettings:
        """Settings from a bundle's `settings` object: a missing key takes the default."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError("settings must be a JSON object")
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                raise ValueError(f"unknown settings key {key!r}")
        return cls(**dict(data))

    def to_dict(self) -> dict[str, Any]:
        """All settings, defaults filled, as JSON data; ratios as exact strings like "2/3"."""
        return {
            "maturity_years": dict(self.maturity_years),
            "advantage_ratio": str(self.advantage_ratio),
            "stage_suitable_above": str(self.stage_suitable_above),
            "stage_disputed_from": str(self.stage_disputed_from),
            "importance_scale": list(self.importance_scale),
            "allow_dont_know": self.allow_dont_know,
            "agreement_from": self.agreement_from,
            "consensus_rule": self.consensus_rule,
            "agreement_threshold": str(self.agreement_threshold),
            "importance_consensus_iqr": self.importance_consensus_iqr,
            "maturity_consensus_iqr": self.maturity_consensus_iqr,
            "stability_changed_share": str(self.stability_changed_share),
            "reason_required": self.reason_required,
        }

    def exact_years(self) -> list[int | Fraction]:
        """The maturity mapping as exact numbers (int where integral), by maturity value code."""
        exact = [
            _exact(f"maturity_years.{c}", self.maturity_years[c], strings=False)
            for c in MATURITY_CHOICES
        ]
        return [int(y) if y.denominator == 1 else y for y in exact]


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    code: str  # node code, e.g. "T.BR.1"
    measures: tuple[str, ...]  # the measures this leaf asks (inheritance already resolved)


def _int_column(name: str, data: Any) -> IntArray:
    array = np.asarray(data)
    if array.ndim != 1:
        raise ValueError(f"AnswerArrays.{name} must be one-dimensional")
    if array.size and array.dtype.kind not in "iu":
        raise ValueError(f"AnswerArrays.{name} must hold integers, got dtype {array.dtype}")
    return array.astype(np.int64, copy=False)


@dataclass
class AnswerArrays:
    """One round's submitted answers, one row per (expert, leaf, measure), as int64 columns."""

    expert: IntArray  # expert ids: any integers, stable across rounds (e.g. DB panelist ids)
    leaf: IntArray  # index into the `leaves` sequence given to compute_round
    measure: IntArray  # measure code (index in MEASURES)
    value: IntArray  # value code (see encode_value)

    def __post_init__(self) -> None:
        self.expert = _int_column("expert", self.expert)
        self.leaf = _int_column("leaf", self.leaf)
        self.measure = _int_column("measure", self.measure)
        self.value = _int_column("value", self.value)
        if not len(self.expert) == len(self.leaf) == len(self.measure) == len(self.value):
            raise ValueError("AnswerArrays columns must have equal lengths")

    def __len__(self) -> int:
        return len(self.expert)

    @classmethod
    def from_records(cls, records: Iterable[tuple[int, int, int, int]]) -> AnswerArrays:
        """From (expert, leaf, measure code, value code) tuples."""
        table = np.array(list(records), dtype=np.int64).reshape(-1, 4)
        return cls(*(np.ascontiguousarray(table[:, i]) for i in range(4)))

    @classmethod
    def empty(cls) -> AnswerArrays:
        return cls(*(np.zeros(0, dtype=np.int64) for _ in range(4)))


# ---------------------------------------------------------------------------------------------
# Preparation: validate, pack, sort, decode
# ---------------------------------------------------------------------------------------------


@dataclass
class _LeafTable:
    codes: list[str]
    asks: BoolArray  # (n_leaves, 8): asks[leaf, measure code]

    @classmethod
    def build(cls, leaves: Sequence[Leaf]) -> _LeafTable:
        codes = [leaf.code for leaf in leaves]
        seen: set[str] = set()
        for code in codes:
            if code in seen:
                raise ValueError(f"leaf code {code!r} appears twice")
            seen.add(code)
        asks = np.zeros((len(leaves), _MEASURE_SLOTS), dtype=bool)
        for index, leaf in enumerate(leaves):
            for name in leaf.measures:
                if name not in MEASURE_CODES:
                    raise ValueError(f"leaf {leaf.code!r} asks unknown measure {name!r}")
                asks[index, MEASURE_CODES[name]] = True
        return cls(codes=codes, asks=asks)


@dataclass
class _Experts:
    """Expert ids mapped to dense indices 0..count-1 in ascending id order."""

    ids: IntArray  # original id of each dense index
    count: int

    @classmethod
    def build(cls, *id_columns: IntArray) -> _Experts:
        all_ids = np.concatenate(id_columns) if id_columns else np.zeros(0, np.int64)
        if not all_ids.size:
            return cls(ids=np.zeros(0, np.int64), count=0)
        low, high = int(all_ids.min()), int(all_ids.max())
        if high - low < max(4 * all_ids.size, 1 << 20):
            # DB ids are compact: a presence table is linear time, where np.unique would sort.
            present = np.zeros(high - low + 1, dtype=bool)
            present[all_ids - low] = True
            ids = np.flatnonzero(present).astype(np.int64) + low
        else:
            ids = np.unique(all_ids)
        return cls(ids=ids, count=len(ids))

    def dense(self, expert: IntArray) -> IntArray:
        if not len(self.ids):
            return np.zeros(0, np.int64)
        low, high = int(self.ids[0]), int(self.ids[-1])
        if high - low < max(4 * len(expert), 1 << 20):
            table = np.zeros(high - low + 1, dtype=np.int64)
            table[self.ids - low] = np.arange(len(self.ids), dtype=np.int64)
            return table[expert - low]
        return np.searchsorted(self.ids, expert).astype(np.int64)


@dataclass
class _Sorted:
    """A round's answers as packed keys sorted by (leaf, expert, measure), with their values."""

    key: IntArray  # (leaf * n_experts + expert) * 8 + measure: sorted and unique
    value: CodeArray


@dataclass
class _Round(_Sorted):
    """The current round, decoded into columns (each (leaf, measure) run in expert-id order)."""

    leaf: IntArray
    expert: IntArray  # dense expert index
    measure: CodeArray


def _prepare(
    answers: AnswerArrays,
    *,
    label: str,
    table: _LeafTable,
    experts: _Experts,
    settings: MethodSettings,
) -> _Sorted:
    """Validate one round's answers (as the bundle import would) and sort them by packed key."""
    n_leaves = len(table.codes)
    leaf, measure, value = answers.leaf, answers.measure, answers.value

    bad = np.flatnonzero((leaf < 0) | (leaf >= n_leaves))
    if bad.size:
        raise ValueError(f"{label} row {bad[0]}: leaf index {leaf[bad[0]]} is out of range")
    bad = np.flatnonzero((measure < 0) | (measure >= len(MEASURES)))
    if bad.size:
        raise ValueError(f"{label} row {bad[0]}: unknown measure code {measure[bad[0]]}")
    bad = np.flatnonzero(~table.asks.ravel()[leaf * _MEASURE_SLOTS + measure])
    if bad.size:
        row = bad[0]
        raise ValueError(
            f"{label} row {row}: leaf {table.codes[leaf[row]]!r} does not ask "
            f"{MEASURES[measure[row]]}"
        )
    low_imp, high_imp = settings.importance_scale
    lows = np.array([FAMILIARITY_SCALE[0], low_imp, 0, 0, 0, 0, 0], dtype=np.int64)
    highs = np.array(
        [
            FAMILIARITY_SCALE[1],
            high_imp,
            len(MATURITY_CHOICES) - 1,
            len(VERDICT_CHOICES) - 1,
            len(VERDICT_CHOICES) - 1,
            (1 << len(STAGE_CHOICES)) - 1,
            0,
        ],
        dtype=np.int64,
    )
    ok = (value >= lows[measure]) & (value <= highs[measure])
    if settings.allow_dont_know:
        ok |= (measure == IMPORTANCE) & (value == DONT_KNOW)
    bad = np.flatnonzero(~ok)
    if bad.size:
        row = bad[0]
        raise ValueError(
            f"{label} row {row}: value code {value[row]} is out of range for "
            f"{MEASURES[measure[row]]} on leaf {table.codes[leaf[row]]!r}"
        )
    del ok, bad

    # Pack (leaf, expert, measure, value + 1) into one int64 and sort it: np.sort is several
    # times faster than np.argsort, and the order (leaf, expert, measure) puts each expert's
    # familiarity (code 0) first among their answers on a leaf, and each (leaf, measure) run in
    # expert-id order (the order the golden sd figures were computed in).
    n_experts = max(experts.count, 1)
    value_bits = (int(highs.max()) + 1).bit_length()  # codes are stored as value + 1 >= 0
    if n_leaves * n_experts * _MEASURE_SLOTS >= 1 << (62 - value_bits):
        raise ValueError("too many leaves x experts for the packed sort key")
    packed = leaf * n_experts
    packed += experts.dense(answers.expert)
    packed *= _MEASURE_SLOTS
    packed += measure
    packed <<= value_bits
    packed += value
    packed += 1
    packed.sort()
    value = (packed & ((1 << value_bits) - 1)).astype(np.int16)
    value -= 1
    packed >>= value_bits
    key = packed

    duplicate = np.flatnonzero(key[1:] == key[:-1])
    if duplicate.size:
        pair, measure_code = divmod(int(key[duplicate[0]]), _MEASURE_SLOTS)
        leaf_index, expert_index = divmod(pair, n_experts)
        raise ValueError(
            f"{label}: expert {experts.ids[expert_index]} answered {MEASURES[measure_code]} "
            f"twice on leaf {table.codes[leaf_index]!r}"
        )
    return _Sorted(key=key, value=value)


def _decode(sorted_answers: _Sorted, *, table: _LeafTable, experts: _Experts) -> _Round:
    """Unpack the current round's keys, and check that familiarity is there where it is asked."""
    key = sorted_answers.key
    measure = (key & (_MEASURE_SLOTS - 1)).astype(np.int8)
    pair = key >> 3
    leaf, expert = np.divmod(pair, max(experts.count, 1))
    if len(key):
        # method.md §2 (platform rule): familiarity is required on every leaf that asks it
        # where an expert gives any other answer. Familiarity (code 0) sorts first in each
        # (leaf, expert) run, so a run that starts with another measure lacks it.
        first = np.empty(len(key), dtype=bool)
        first[0] = True
        np.not_equal(pair[1:], pair[:-1], out=first[1:])
        first &= measure != FAMILIARITY
        first &= table.asks[:, FAMILIARITY][leaf]
        missing = np.flatnonzero(first)
        if missing.size:
            row = missing[0]
            raise ValueError(
                f"answers: expert {experts.ids[expert[row]]} answered {MEASURES[measure[row]]} "
                f"on leaf {table.codes[leaf[row]]!r} without their familiarity"
            )
    del pair
    return _Round(key=key, value=sorted_answers.value, leaf=leaf, expert=expert, measure=measure)


# The familiarity of an importance or maturity answer is found next to it in the sorted rows,
# which relies on these codes being the first three.
assert (FAMILIARITY, IMPORTANCE, MATURITY) == (0, 1, 2)


def _weights(current: _Round, rows: IntArray, table: _LeafTable) -> IntArray:
    """The familiarity weight of each given importance or maturity row (method.md §3): the
    expert's familiarity on that leaf, 1 where the leaf does not ask familiarity."""
    if not rows.size:
        return np.zeros(0, dtype=np.int64)
    # In a (leaf, expert) run sorted by measure code, familiarity (0) comes right before
    # importance (1), and before maturity (2) with at most an importance answer in between.
    # _decode has checked that the run has its familiarity where the leaf asks it.
    before = rows - 1
    before -= current.measure[before] == IMPORTANCE
    np.maximum(before, 0, out=before)  # rows at the very start are on leaves without familiarity
    weight = current.value[before].astype(np.int64)
    weight[~table.asks[:, FAMILIARITY][current.leaf[rows]]] = 1
    return weight


# ---------------------------------------------------------------------------------------------
# Exact statistics from histograms
# ---------------------------------------------------------------------------------------------


Exact = int | Fraction  # an exact number: Fraction arithmetic is slow, so ints stay ints


def _quartiles(
    levels: Sequence[Exact], counts: Sequence[int], n: int
) -> tuple[Fraction, Fraction, Fraction]:
    """q1, median, q3 by linear interpolation between order statistics (Hyndman-Fan type 7,
    numpy.quantile's default; method.md §4), exactly, from the counts of each ascending level."""
    cumulative = list(accumulate(counts))

    def order_statistic(j: int) -> Exact:  # the j-th smallest answer, 0-based
        return levels[bisect_right(cumulative, j)]

    out = []
    for quarters in (1, 2, 3):
        # Position h = (n - 1) * quarters / 4 = j + g / 4 between order statistics j and j + 1.
        j, g = divmod((n - 1) * quarters, 4)
        low = order_statistic(j)
        step = order_statistic(j + 1) - low if g else 0
        out.append(Fraction(4 * low + g * step, 4))
    return out[0], out[1], out[2]


def _sample_sd(values: npt.NDArray[np.float64]) -> float | None:
    # Sample sd (divisor n - 1, method.md §4), null when n < 2. numpy, in expert-id order, is what
    # the golden results were computed with (see the module docstring).
    if len(values) < 2:
        return None
    return float(np.std(values, ddof=1))


def _blocks(sorted_leaf: IntArray, n_leaves: int) -> list[int]:
    """Start offsets of each leaf's rows in a leaf-sorted column (n_leaves + 1 entries)."""
    starts: list[int] = np.searchsorted(sorted_leaf, np.arange(n_leaves + 1)).tolist()
    return starts


def _changes(current: _Round, previous: _Sorted, n_leaves: int) -> tuple[list[int], list[int]]:
    """Per (leaf * 8 + measure): experts who answered in both rounds, and those who changed."""
    slots = n_leaves * _MEASURE_SLOTS
    if not len(previous.key) or not len(current.key):
        return [0] * slots, [0] * slots
    # Both keys are sorted with the same expert indexing, so this is a merge-like lookup.
    position = np.searchsorted(previous.key, current.key)
    np.minimum(position, len(previous.key) - 1, out=position)
    both = previous.key[position] == current.key
    # method.md §4: compare value codes (dont_know is an answer; stages compare as sets).
    changed = previous.value[position] != current.value
    matched = np.flatnonzero(both)
    group = current.leaf[matched] * _MEASURE_SLOTS + current.measure[matched]
    return (
        np.bincount(group, minlength=slots).tolist(),
        np.bincount(group[changed[matched]], minlength=slots).tolist(),
    )


def _kendall(
    current: _Round, table: _LeafTable, settings: MethodSettings, n_experts: int
) -> dict[str, Any]:
    """Kendall's W with the tie correction (method.md §4) over the experts who gave a numeric
    importance rating on every leaf that asks importance."""
    importance_leaves = np.flatnonzero(table.asks[:, IMPORTANCE])
    k = len(importance_leaves)
    rows = np.flatnonzero((current.measure == IMPORTANCE) & (current.value != DONT_KNOW))
    expert = current.expert[rows]
    if k:
        # Answers are unique per (expert, leaf) and only on leaves asking importance, so a count
        # of k means a rating on every one of them.
        qualifies = np.bincount(expert, minlength=n_experts) == k
    else:
        qualifies = np.zeros(n_experts, dtype=bool)  # nothing to rank: nobody qualifies
    m = int(qualifies.sum())
    panel: dict[str, Any] = {
        "kendall_w": None,
        "kendall_chi2": None,
        "kendall_p": None,
        "kendall_experts": m,
    }
    if m < 2 or k < 2:  # bundle.md: null where fewer than 2 experts or 2 leaves qualify
        return panel

    low, high = settings.importance_scale
    levels = high - low + 1
    keep = qualifies[expert]
    row_of_expert = np.cumsum(qualifies) - 1
    row = row_of_expert[expert[keep]]
    column_of_leaf = np.full(len(table.codes), -1, dtype=np.int64)
    column_of_leaf[importance_leaves] = np.arange(k)
    column = column_of_leaf[current.leaf[rows][keep]]
    rating = current.value[rows][keep] - low

    # Ranks within each expert from the histogram of their ratings: a rating's average rank is
    # (number below) + (its tie count + 1) / 2; doubled, it is an integer.
    cell = row * levels + rating
    hist = np.bincount(cell, minlength=m * levels).reshape(m, levels)
    below = np.cumsum(hist, axis=1) - hist
    rank2 = (2 * below + hist + 1).ravel()[cell]
    # Column sums of integers below 2^53: float64 bincount is exact here.
    rank_sums2 = np.rint(np.bincount(column, weights=rank2, minlength=k)).astype(np.int64)
    deviation2 = (rank_sums2 - m * (k + 1)).tolist()  # 2 * (R_j - m(k+1)/2)
    s = Fraction(sum(d * d for d in deviation2), 4)
    ties = int(np.sum(hist**3 - hist, dtype=np.int64))
    denominator = m * m * (k**3 - k) - m * ties
    if denominator == 0:
        # Every qualifying expert rated all leaves alike: W is 0/0, undefined.
        return panel
    w = 12 * s / denominator
    chi2 = m * (k - 1) * w
    panel["kendall_w"] = float(w)
    panel["kendall_chi2"] = float(chi2)
    panel["kendall_p"] = float(stats.chi2.sf(float(chi2), k - 1))
    return panel


# ---------------------------------------------------------------------------------------------
# The round
# ---------------------------------------------------------------------------------------------


def compute_round(
    *,
    leaves: Sequence[Leaf],
    answers: AnswerArrays,
    settings: MethodSettings,
    invited: int,
    base_year: int,
    previous: AnswerArrays | None = None,
) -> dict[str, Any]:
    """The `panel` and `results` of a `delphi-results/1` document for one round.

    `previous` is the previous round's answers over the same `leaves` indexing (None in round 1,
    which makes every changed_share/stable null). The caller adds format/study/round/computed_at.
    Raises ValueError on data the bundle import would refuse (unknown leaf/measure, a measure the
    leaf does not ask, a value out of range, a duplicate answer, an answer without familiarity).
    """
    table = _LeafTable.build(leaves)
    n_leaves = len(table.codes)
    experts = _Experts.build(answers.expert, *(() if previous is None else (previous.expert,)))
    n_experts = max(experts.count, 1)
    current = _decode(
        _prepare(answers, label="answers", table=table, experts=experts, settings=settings),
        table=table,
        experts=experts,
    )

    slots = n_leaves * _MEASURE_SLOTS
    if previous is None:
        both = changed = [0] * slots
    else:
        before = _prepare(
            previous, label="previous", table=table, experts=experts, settings=settings
        )
        both, changed = _changes(current, before, n_leaves)
        del before

    def stability(leaf: int, measure: int) -> dict[str, Any]:
        pair_count = both[leaf * _MEASURE_SLOTS + measure]
        if previous is None or pair_count == 0:
            return {"changed_share": None, "stable": None}
        count = changed[leaf * _MEASURE_SLOTS + measure]
        limit = settings.stability_changed_share
        # method.md §4: stable when the changed share is below 15%, compared exactly.
        return {
            "changed_share": count / pair_count,
            "stable": count * limit.denominator < limit.numerator * pair_count,
        }

    builders = {
        "importance": _importance_builder(current, table, settings, n_leaves),
        "maturity": _maturity_builder(current, table, settings, n_leaves, base_year),
        "regional_advantage": _verdict_builder(current, settings, n_leaves, REGIONAL_ADVANTAGE),
        "investment": _verdict_builder(current, settings, n_leaves, INVESTMENT),
        "stages": _stages_builder(current, settings, n_leaves),
    }
    results: list[dict[str, Any]] = []
    for leaf in sorted(range(n_leaves), key=table.codes.__getitem__):
        for name in SCORED_MEASURES:
            entry = builders[name](leaf)
            if entry is not None:
                results.append(
                    {
                        "node": table.codes[leaf],
                        "measure": name,
                        **entry,
                        **stability(leaf, MEASURE_CODES[name]),
                    }
                )

    responded = int(np.count_nonzero(np.bincount(current.expert, minlength=n_experts)))
    panel: dict[str, Any] = {
        "invited": int(invited),
        "responded": responded,
        "response_rate": responded / invited if invited > 0 else None,
    }
    panel.update(_kendall(current, table, settings, n_experts))
    return {"panel": panel, "results": results}


# Builds one result entry for a leaf index; None when the leaf has no answer for that measure.
_Builder = Callable[[int], dict[str, Any] | None]


def _rows(current: _Round, measure: int) -> IntArray:
    return np.flatnonzero(current.measure == measure)


def _weighted_hist(
    leaf: IntArray, level: CodeArray, weight: IntArray, n_leaves: int, n_levels: int
) -> tuple[IntArray, IntArray]:
    """Per (leaf, level): the answer count and the sum of familiarity weights (exact ints)."""
    low, high = FAMILIARITY_SCALE
    width = high - low + 1
    cube = np.bincount(
        (leaf * n_levels + level) * width + (weight - low), minlength=n_leaves * n_levels * width
    ).reshape(n_leaves, n_levels, width)
    return cube.sum(axis=2), cube @ np.arange(low, high + 1, dtype=np.int64)


def _importance_builder(
    current: _Round, table: _LeafTable, settings: MethodSettings, n_leaves: int
) -> _Builder:
    rows = _rows(current, IMPORTANCE)
    leaf, value, weight = current.leaf[rows], current.value[rows], _weights(current, rows, table)
    numeric = value != DONT_KNOW
    dont_know = np.bincount(leaf[~numeric], minlength=n_leaves).tolist()
    leaf, value, weight = leaf[numeric], value[numeric], weight[numeric]

    low, high = settings.importance_scale
    scale = np.arange(low, high + 1, dtype=np.int64)
    counts, weights = _weighted_hist(leaf, value - low, weight, n_leaves, len(scale))
    n = counts.sum(axis=1).tolist()
    total_weight = weights.sum(axis=1).tolist()
    weighted_sum = (weights @ scale).tolist()
    plain_sum = (counts @ scale).tolist()
    agreeing = counts[:, scale >= settings.agreement_from].sum(axis=1).tolist()
    count_rows = counts.tolist()
    levels = scale.tolist()
    starts = _blocks(leaf, n_leaves)
    ratings = value.astype(np.float64)
    threshold = settings.agreement_threshold
    iqr_limit = _exact("importance_consensus_iqr", settings.importance_consensus_iqr)

    def build(index: int) -> dict[str, Any] | None:
        count, unknown = n[index], dont_know[index]
        answered = count + unknown
        if answered == 0:
            return None
        # method.md §4: the share of *all* answers, dont_know included, rating >= agreement_from.
        agree = agreeing[index]
        agreement_share = agree / answered
        if count:
            q1, median, q3 = _quartiles(levels, count_rows[index], count)
            spread = q3 - q1
            iqr: Fraction | None = spread
            figures = {
                # §3.1 (1): sum(f*a) / sum(f); exact integer sums, rounded once.
                "weighted_mean": weighted_sum[index] / total_weight[index],
                "mean": plain_sum[index] / count,
                "median": float(median),
                "q1": float(q1),
                "q3": float(q3),
                "iqr": float(spread),
                "sd": _sample_sd(ratings[starts[index] : starts[index + 1]]),
            }
        else:
            # Every answer is dont_know: nothing to average (bundle.md: numeric fields null).
            iqr = None
            figures = dict.fromkeys(("weighted_mean", "mean", "median", "q1", "q3", "iqr", "sd"))
        if settings.consensus_rule == "agreement":
            consensus: bool | None = agree * threshold.denominator > threshold.numerator * answered
        else:
            # With no numeric rating there is no iqr to judge: consensus is null, not false.
            consensus = None if iqr is None else iqr <= iqr_limit
        return {
            "n": count,
            **figures,
            "dont_know": unknown,
            "agreement_share": agreement_share,
            "consensus": consensus,
        }

    return build


def _maturity_builder(
    current: _Round, table: _LeafTable, settings: MethodSettings, n_leaves: int, base_year: int
) -> _Builder:
    rows = _rows(current, MATURITY)
    leaf, value, weight = current.leaf[rows], current.value[rows], _weights(current, rows, table)
    counts, weights = _weighted_hist(leaf, value, weight, n_leaves, len(MATURITY_CHOICES))
    count_rows, weight_rows = counts.tolist(), weights.tolist()
    years = settings.exact_years()
    # Quartiles need the levels ascending; a custom mapping need not follow the choice order.
    by_year = sorted(range(len(MATURITY_CHOICES)), key=years.__getitem__)
    sorted_years = [years[c] for c in by_year]
    year_floats = np.array([float(y) for y in years], dtype=np.float64)
    starts = _blocks(leaf, n_leaves)
    iqr_limit = _exact("maturity_consensus_iqr", settings.maturity_consensus_iqr)

    def build(index: int) -> dict[str, Any] | None:
        count_by_choice = count_rows[index]
        n = sum(count_by_choice)
        if n == 0:
            return None
        weight_by_choice = weight_rows[index]
        # method.md §3 (paper §3.1 (2)): familiarity-weighted mean of the mapped years.
        weighted_years = Fraction(
            sum(y * f for y, f in zip(years, weight_by_choice, strict=True)),
            sum(weight_by_choice),
        )
        q1, median, q3 = _quartiles(sorted_years, [count_by_choice[c] for c in by_year], n)
        mapped = year_floats[value[starts[index] : starts[index + 1]]]
        return {
            "n": n,
            "mean": float(sum(y * c for y, c in zip(years, count_by_choice, strict=True)) / n),
            "median": float(median),
            "q1": float(q1),
            "q3": float(q3),
            "iqr": float(q3 - q1),
            "sd": _sample_sd(mapped),
            "weighted_years": float(weighted_years),
            "expected_year": float(base_year + weighted_years),
            "consensus": q3 - q1 <= iqr_limit,  # method.md §4: maturity iqr <= 5 years
            "counts": dict(zip(MATURITY_CHOICES, count_by_choice, strict=True)),
        }

    return build


def _verdict_builder(
    current: _Round, settings: MethodSettings, n_leaves: int, measure: int
) -> _Builder:
    rows = _rows(current, measure)
    width = len(VERDICT_CHOICES)
    counts = (
        np.bincount(current.leaf[rows] * width + current.value[rows], minlength=n_leaves * width)
        .reshape(n_leaves, width)
        .tolist()
    )
    ratio = settings.advantage_ratio

    def build(index: int) -> dict[str, Any] | None:
        yes, no, unsure = counts[index]
        n = yes + no + unsure  # method.md §3: yes, no and unsure all count
        if n == 0:
            return None
        # method.md §3 (paper §3.1 (3)): a share "more than 2/3", exactly: yes*3 > 2*n.
        if yes * ratio.denominator > ratio.numerator * n:
            verdict = "yes"
        elif no * ratio.denominator > ratio.numerator * n:
            verdict = "no"
        else:
            verdict = "disputed"
        return {
            "n": n,
            "counts": {"yes": yes, "no": no, "unsure": unsure},
            "verdict": verdict,
        }

    return build


def _stages_builder(current: _Round, settings: MethodSettings, n_leaves: int) -> _Builder:
    rows = _rows(current, STAGES)
    leaf, mask = current.leaf[rows], current.value[rows]
    n = np.bincount(leaf, minlength=n_leaves).tolist()  # an empty selection is an answer
    selected = [
        np.bincount(leaf[(mask & STAGE_BITS[stage]) != 0], minlength=n_leaves).tolist()
        for stage in STAGE_CHOICES
    ]
    above, disputed_from = settings.stage_suitable_above, settings.stage_disputed_from

    def verdict(count: int, total: int) -> str:
        # method.md §3 (paper §3.2 (3)): > 60% suitable; 30%-60% (ends included) disputed.
        if count * above.denominator > above.numerator * total:
            return "suitable"
        if count * disputed_from.denominator >= disputed_from.numerator * total:
            return "disputed"
        return "unsuitable"

    def build(index: int) -> dict[str, Any] | None:
        total = n[index]
        if total == 0:
            return None
        counts = {stage: selected[i][index] for i, stage in enumerate(STAGE_CHOICES)}
        return {
            "n": total,
            "counts": counts,
            "verdicts": {stage: verdict(c, total) for stage, c in counts.items()},
        }

    return build
