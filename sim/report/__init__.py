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
    COMPARE_PLOT_FILES,
    DEFAULT_PLOT_FORMAT,
    PLOT_FILES,
    PLOT_FORMATS,
    PLOT_NAMES,
    casualties_figure,
    check_plot_format,
    compare_figure,
    compare_plot_file,
    contingents_figure,
    drawdown_figure,
    exit_dates_figure,
    plot_files,
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
    "COMPARE_PLOT_FILES",
    "DEFAULT_PLOT_FORMAT",
    "CONTINGENTS_CSV",
    "CONTINGENT_COLUMNS",
    "DAILY_COLUMNS",
    "DAILY_CSV",
    "NOT_OUT",
    "PLOT_FILES",
    "PLOT_FORMATS",
    "PLOT_NAMES",
    "QUANTILES",
    "SUMMARY_JSON",
    "SUMMARY_NPZ",
    "casualties_figure",
    "check_plot_format",
    "compare_figure",
    "compare_plot_file",
    "contingent_rows",
    "contingents_figure",
    "daily_rows",
    "drawdown_figure",
    "dumps",
    "exit_dates_figure",
    "last_out",
    "plot_files",
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
