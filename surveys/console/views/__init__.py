"""The analyst console's views, one module per page of a study (thin: parse, call, render)."""
