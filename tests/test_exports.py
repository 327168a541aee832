"""Exports a client opens in a spreadsheet: formulas typed by customers stay text."""

import openpyxl
import pandas as pd

from cxnb.exports import to_csv, to_excel

FRAME = pd.DataFrame({
    "text": ['=HYPERLINK("http://evil.example/","click")', "+1 555 0100", "-2+3", "@SUM(A1:A9)", "fine", None],
    "score": [-5, 3, 1, 2, 0, 4],
    "when": pd.to_datetime(["2025-01-01 10:00"] * 6, utc=True),
})


def test_csv_neutralises(tmp_path):
    back = pd.read_csv(to_csv(FRAME, tmp_path / "t.csv"), dtype=str, keep_default_na=False)
    assert back["text"].tolist()[:5] == ["'=HYPERLINK(\"http://evil.example/\",\"click\")", "'+1 555 0100", "'-2+3",
                                         "'@SUM(A1:A9)", "fine"]
    assert back["score"].tolist()[0] == "-5"  # numbers are not touched
    assert FRAME["text"][0].startswith("=")  # the caller's frame is unchanged


def test_excel_cells_are_text_not_formulas(tmp_path):
    sheet = openpyxl.load_workbook(to_excel(FRAME, tmp_path / "t.xlsx")).active
    values = [row[0].value for row in sheet.iter_rows(min_row=2, max_row=5)]
    assert values == ["'=HYPERLINK(\"http://evil.example/\",\"click\")", "'+1 555 0100", "'-2+3", "'@SUM(A1:A9)"]
    assert all(row[0].data_type == "s" for row in sheet.iter_rows(min_row=2, max_row=5))
    assert sheet["B2"].value == -5 and str(sheet["C2"].value) == "2025-01-01 10:00:00"  # UTC wall clock
