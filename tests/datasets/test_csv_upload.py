"""Tests of parse_csv: accepted files and every kind of rejected file."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.datasets import CsvError, parse_csv

LIMITS = {"max_bytes": 100_000, "max_rows": 1_000, "max_columns": 16}


def parse(text, target="label", **options):
    data = text.encode("utf-8") if isinstance(text, str) else text
    arguments = {"name": "upload", **LIMITS, **options}
    return parse_csv(data, target, **arguments)


def make_csv(rows, header="a,b,label", newline="\n"):
    return newline.join([header, *rows]) + newline


def both_splits(dataset):
    x = np.vstack([dataset.x_train, dataset.x_test])
    y = np.vstack([dataset.y_train, dataset.y_test])
    return x, y


# Ten rows whose feature a is the row number 0..9, so a scales to a / 9.
ANIMALS = make_csv(
    [f"{i},{10 - i},{'cat' if i % 2 else 'dog'}" for i in range(10)],
)


def test_csv_string_labels_classification():
    dataset = parse(ANIMALS)
    assert dataset.task == "classification"
    assert dataset.class_names == ["cat", "dog"]
    assert dataset.feature_names == ["a", "b"]
    assert dataset.n_inputs == 2
    assert dataset.n_outputs == 2
    assert dataset.n_train == 8
    assert dataset.n_test == 2
    assert dataset.kind == "upload"


def test_csv_rows_keep_their_labels():
    x, y = both_splits(parse(ANIMALS))
    for a_scaled, b_scaled, *_ in np.column_stack([x, y]):
        i = round(a_scaled * 9)
        assert b_scaled == pytest.approx((10 - i - 1) / 9)
    row_numbers = np.rint(x[:, 0] * 9).astype(int)
    is_cat = y[:, 0] == 1.0
    assert np.array_equal(is_cat, row_numbers % 2 == 1)


def test_csv_inputs_scaled_per_column():
    x, _ = both_splits(parse(ANIMALS))
    assert x.min(axis=0).tolist() == [0.0, 0.0]
    assert x.max(axis=0).tolist() == [1.0, 1.0]


def test_csv_constant_column_becomes_zero():
    text = make_csv([f"{i},7,{i % 2}" for i in range(10)])
    x, _ = both_splits(parse(text))
    assert np.all(x[:, 1] == 0.0)


def test_csv_whole_numbers_are_classes():
    text = make_csv([f"{i},{i},{i % 3 + 1}.0" for i in range(12)])
    dataset = parse(text)
    assert dataset.task == "classification"
    assert dataset.class_names == ["1", "2", "3"]


def test_csv_numeric_classes_sorted_numerically():
    text = make_csv([f"{i},{i},{[2, 10, 1][i % 3]}" for i in range(12)])
    assert parse(text).class_names == ["1", "2", "10"]


def test_csv_twenty_whole_numbers_classes():
    text = make_csv([f"{i},{i},{i % 20}" for i in range(40)])
    dataset = parse(text)
    assert dataset.task == "classification"
    assert dataset.n_outputs == 20


def test_csv_many_whole_numbers_regression():
    text = make_csv([f"{i},{i},{i % 21}" for i in range(42)])
    dataset = parse(text)
    assert dataset.task == "regression"
    assert dataset.class_names is None


def test_csv_fractions_are_regression_as_given():
    text = make_csv([f"{i},{i * i},{i * 0.5 + 100}" for i in range(10)])
    dataset = parse(text)
    assert dataset.task == "regression"
    assert dataset.n_outputs == 1
    x, y = both_splits(dataset)
    row_numbers = np.rint(x[:, 0] * 9)
    assert np.allclose(y[:, 0], row_numbers * 0.5 + 100)


def test_csv_bom_crlf_quotes_and_blank_lines():
    rows = [f'"{i}", {i + 1} ,"x y"' if i % 2 else f"{i},{i + 1},z" for i in range(8)]
    text = "\ufeff" + make_csv(rows, newline="\r\n") + "\r\n\r\n"
    dataset = parse(text)
    assert dataset.feature_names == ["a", "b"]
    assert dataset.class_names == ["x y", "z"]
    assert dataset.n_train + dataset.n_test == 8


def test_csv_target_in_any_column():
    text = make_csv([f"{i % 2},{i},{i * 2}" for i in range(10)], header="y,p,q")
    dataset = parse(text, target="y")
    assert dataset.feature_names == ["p", "q"]
    assert dataset.class_names == ["0", "1"]


def test_csv_split_follows_seed():
    first = parse(ANIMALS, seed=3, test_fraction=0.4)
    second = parse(ANIMALS, seed=3, test_fraction=0.4)
    other = parse(ANIMALS, seed=4, test_fraction=0.4)
    assert first.n_test == 4
    assert np.array_equal(first.x_test, second.x_test)
    assert not np.array_equal(first.x_test, other.x_test)
    assert first.options["seed"] == 3
    assert first.options["target"] == "label"


def test_csv_split_stratified():
    dataset = parse(ANIMALS, test_fraction=0.4)
    assert dataset.y_test.sum(axis=0).tolist() == [2.0, 2.0]


def assert_rejected(text, message, *, row=None, column=None, target="label", **kw):
    with pytest.raises(CsvError) as caught:
        parse(text, target=target, **kw)
    error = caught.value
    assert message in str(error)
    assert error.row == row
    assert error.column == column
    return error


def test_csv_error_is_value_error():
    assert issubclass(CsvError, ValueError)


def test_csv_rejects_empty_file():
    assert_rejected(b"", "the file is empty")


def test_csv_rejects_blank_lines_only():
    assert_rejected("\n\r\n  \n", "the file is empty")


def test_csv_rejects_header_only():
    assert_rejected("a,b,label\n", "no data rows", row=1)


def test_csv_rejects_missing_header():
    error = assert_rejected("1,2,0\n3,4,1\n5,6,0\n", "header row is missing", row=1)
    assert "line 1" in str(error)


def test_csv_rejects_non_numeric_cell():
    text = make_csv(["1,2,x", "3,4,y", "5,abc,x", "7,8,y"])
    error = assert_rejected(text, "'abc' is not a number", row=4, column="b")
    assert "line 4, column 'b'" in str(error)


def test_csv_rejects_empty_cell():
    text = make_csv(["1,2,x", "3,,y", "5,6,x", "7,8,y"])
    assert_rejected(text, "the cell is empty", row=3, column="b")


def test_csv_rejects_empty_target_cell():
    text = make_csv(["1,2,x", "3,4,y", "5,6,", "7,8,y"])
    assert_rejected(text, "the target cell is empty", row=4, column="label")


def test_csv_rejects_short_row():
    text = make_csv(["1,2,x", "3,4", "5,6,x", "7,8,y"])
    assert_rejected(text, "line 3 has 2 cells, but the header has 3 columns", row=3)


def test_csv_rejects_long_row():
    text = make_csv(["1,2,x", "3,4,y", "5,6,x", "7,8,y,9"])
    assert_rejected(text, "line 5 has 4 cells", row=5)


@pytest.mark.parametrize("value", ["1_000", "\u0661\u0662", "0x1A", "1.5.2", "e5"])
def test_csv_rejects_python_only_numbers(value):
    # float() accepts underscores and digits of other scripts; a CSV reader
    # should not.
    text = make_csv(["1,2,x", f"{value},4,y", "5,6,x", "7,8,y"])
    assert_rejected(text, f"{value!r} is not a number", row=3, column="a")


@pytest.mark.parametrize("value", ["-1.5", "+2", ".5", "3.", "1e-3", "-2.5E+4"])
def test_csv_reads_plain_numbers(value):
    text = make_csv(["1,2,x", f"{value},4,y", "5,6,x", "7,8,y"])
    x, _ = both_splits(parse(text, test_fraction=0.0))
    a = np.array([1.0, float(value), 5.0, 7.0])
    scaled = (a - a.min()) / (a.max() - a.min())
    np.testing.assert_array_equal(np.sort(x[:, 0]), np.sort(scaled))


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-Infinity", "1e999"])
def test_csv_rejects_non_finite_feature(value):
    text = make_csv(["1,2,x", f"{value},4,y", "5,6,x", "7,8,y"])
    assert_rejected(text, "is not a finite number", row=3, column="a")


def test_csv_rejects_non_finite_target():
    text = make_csv(["1,2,0.5", "3,4,nan", "5,6,1.5", "7,8,2.5"])
    assert_rejected(text, "'nan' is not a finite number", row=3, column="label")


def test_csv_rejects_missing_target_column():
    error = assert_rejected(ANIMALS, "not found", column="species", target="species")
    assert "'a', 'b', 'label'" in str(error)


def test_csv_rejects_single_class():
    text = make_csv([f"{i},{i},same" for i in range(10)])
    assert_rejected(text, "only one class ('same')", column="label")


def test_csv_rejects_single_numeric_class():
    text = make_csv([f"{i},{i},1" for i in range(10)])
    assert_rejected(text, "only one class ('1')", column="label")


def test_csv_rejects_latin_1_text():
    data = make_csv(["1,2,x", "3,4,y"]).encode() + "5,6,caf\xe9\n".encode("latin-1")
    error = assert_rejected(data, "is not valid UTF-8", row=4)
    assert "0xe9" in str(error)


def test_csv_rejects_duplicate_columns():
    text = make_csv(["1,2,3,x", "4,5,6,y"], header="a,b,a,label")
    assert_rejected(text, "'a' appears more than once", row=1, column="a")


def test_csv_rejects_unnamed_column():
    text = make_csv(["1,2,x", "3,4,y"], header="a,,label")
    assert_rejected(text, "column 2 of the header has no name", row=1)


def test_csv_rejects_target_only():
    assert_rejected("label\nx\ny\nx\ny\n", "Add at least one feature column", row=1)


def test_csv_rejects_too_few_rows():
    text = make_csv(["1,2,x", "3,4,y", "5,6,x", "7,8,y"])
    error = assert_rejected(text, "Each split needs at least 2")
    assert "3 training and 1 test" in str(error)


def test_csv_accepts_four_rows_half_split():
    text = make_csv(["1,2,x", "3,4,y", "5,6,x", "7,8,y"])
    dataset = parse(text, test_fraction=0.5)
    assert dataset.n_train == 2
    assert dataset.n_test == 2


def test_csv_rejects_too_many_bytes():
    data = ANIMALS.encode()
    assert_rejected(data, f"{len(data)} bytes", max_bytes=len(data) - 1)
    assert parse(data, max_bytes=len(data)).n_train == 8


def test_csv_rejects_too_many_rows():
    assert_rejected(ANIMALS, "more than 9 data rows", row=11, max_rows=9)
    assert parse(ANIMALS, max_rows=10).n_train == 8


def test_csv_rejects_too_many_columns():
    assert_rejected(ANIMALS, "3 columns, above the limit of 2", row=1, max_columns=2)
    assert parse(ANIMALS, max_columns=3).n_inputs == 2


def test_csv_rejects_unclosed_quote():
    text = make_csv(["1,2,x", '3,"4,y', "5,6,x", "7,8,y"])
    with pytest.raises(CsvError) as caught:
        parse(text)
    assert caught.value.row is not None


@pytest.mark.parametrize(
    ("option", "value"),
    [("test_fraction", 0.95), ("test_fraction", -0.1), ("seed", -1)],
)
def test_csv_rejects_bad_option(option, value):
    with pytest.raises(ValueError, match=option):
        parse(ANIMALS, **{option: value})


CELLS = st.sampled_from(["1", "-2.5", "x", "", "nan", "1e999", '"', " 3 ", "é"])
LINES = st.lists(CELLS, min_size=0, max_size=4).map(",".join)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(LINES, max_size=8), crlf=st.booleans())
def test_csv_random_text_only_csv_errors(lines, crlf):
    text = ("\r\n" if crlf else "\n").join(["a,b,label", *lines])
    try:
        dataset = parse(text, max_columns=5)
    except CsvError as error:
        assert str(error)
        return
    assert np.all(np.isfinite(dataset.x_train))
    assert dataset.x_train.min(initial=0.0) >= 0.0
    assert dataset.x_train.max(initial=1.0) <= 1.0


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=200))
def test_csv_random_bytes_only_csv_errors(data):
    try:
        parse(data, target="a")
    except CsvError as error:
        assert str(error)
