"""Reports: text tables, JSON documents, CSV files, plots and output directories.

The fifth stage of the pipeline. Everything here works on a
:class:`~drawdown.results.Summary` (or a :class:`~drawdown.results.Comparison`) and the
facts of the scenario it summarises, so the command line, the Python API and
``drawdown plot`` share it. Nothing here runs an engine.
"""

from .compare_dir import COMPARE_JSON, read_compare_dir, redraw_plots, write_compare_dir
from .directory import (
    CONTINGENTS_CSV,
    DAILY_CSV,
    SUMMARY_JSON,
    SUMMARY_NPZ,
    read_run_dir,
    write_contingents_csv,
    write_daily_csv,
    write_json,
    write_run_dir,
)
from .plots import (
    COMPARE_PLOT,
    PLOT_FILES,
    compare_figure,
    contingents_figure,
    drawdown_figure,
    exit_dates_figure,
    save_figure,
    write_plots,
)
from .text import (
    CONTINGENT_COLUMNS,
    DAILY_COLUMNS,
    NOT_OUT,
    QUANTILES,
    contingent_rows,
    daily_rows,
    dumps,
    last_out,
    repeat_options,
    run_json,
    summary_table,
)

__all__ = [
    "COMPARE_JSON",
    "COMPARE_PLOT",
    "CONTINGENTS_CSV",
    "CONTINGENT_COLUMNS",
    "DAILY_COLUMNS",
    "DAILY_CSV",
    "NOT_OUT",
    "PLOT_FILES",
    "QUANTILES",
    "SUMMARY_JSON",
    "SUMMARY_NPZ",
    "compare_figure",
    "contingent_rows",
    "contingents_figure",
    "daily_rows",
    "drawdown_figure",
    "dumps",
    "exit_dates_figure",
    "last_out",
    "read_compare_dir",
    "read_run_dir",
    "redraw_plots",
    "repeat_options",
    "run_json",
    "save_figure",
    "summary_table",
    "write_compare_dir",
    "write_contingents_csv",
    "write_daily_csv",
    "write_json",
    "write_plots",
    "write_run_dir",
]
