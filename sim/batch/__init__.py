"""Batches: units of work, executors, resumable run and sweep directories, shards, merges.

The sixth stage of the pipeline. :func:`fold_chunks` is the one run-and-fold every batch
uses; executors run units of work in this process, in local processes or on Dask, with
bit-identical results; :class:`RunBatch` and :class:`SweepBatch` keep run directories
that an interrupted batch resumes; :func:`merge_dir` joins the shards of a job array.
"""

from .compare import compare
from .executors import (
                        CLUSTER_HINT,
                        MAX_UNIT_BLOCKS,
                        DaskExecutor,
                        Executor,
                        InProcess,
                        ProcessPool,
                        Unit,
                        UnitResult,
                        import_distributed,
                        make_executor,
                        make_units,
                        merge_results,
                        run_unit,
                        unit_blocks_for,
)
from .fold import (
                        DEFAULT_MAX_REPS,
                        DEFAULT_REPS,
                        DEFAULT_SIMPY_REPS,
                        default_reps,
                        fold_chunks,
                        outcome_rows,
                        run_to_precision,
                        summarize,
                        without_daily,
)
from .merge import merge_dir
from .rundir import (
                        BLOCKS_DIR,
                        MANIFEST,
                        SHARDS_DIR,
                        RunBatch,
                        RunResult,
                        Shard,
                        check_environment,
                        check_out_dir,
                        clean_temporaries,
                        environment_mismatch,
                        file_sha256,
                        read_record,
                        read_shard_records,
                        recorded_run,
                        run_batch,
                        shard_kinds,
                        write_record,
                        write_results,
)
from .sweep import (
                        DESIGNS,
                        RESULT_COLUMNS,
                        SWEEP_DESIGN_STREAM,
                        Factor,
                        SweepBatch,
                        SweepPoint,
                        SweepResult,
                        SweepSpec,
                        design_points,
                        find_spec,
                        load_spec,
                        merge_sweep,
                        parse_spec,
                        plan_points,
                        read_results,
                        results_table,
                        run_sweep,
                        shipped_specs,
)

__all__ = ["BLOCKS_DIR", "CLUSTER_HINT", "DEFAULT_MAX_REPS", "DEFAULT_REPS", "DEFAULT_SIMPY_REPS", "DESIGNS",
           "DaskExecutor", "Executor", "Factor", "InProcess", "MANIFEST", "MAX_UNIT_BLOCKS", "ProcessPool",
           "RESULT_COLUMNS", "RunBatch", "RunResult", "SHARDS_DIR", "SWEEP_DESIGN_STREAM", "Shard", "SweepBatch",
           "SweepPoint", "SweepResult", "SweepSpec", "Unit", "UnitResult", "check_environment", "check_out_dir",
           "clean_temporaries", "compare", "default_reps", "design_points", "environment_mismatch", "file_sha256",
           "find_spec", "fold_chunks", "import_distributed", "load_spec", "make_executor", "make_units", "merge_dir",
           "merge_results", "merge_sweep", "outcome_rows", "parse_spec", "plan_points", "read_record", "read_results",
           "read_shard_records", "recorded_run", "results_table", "run_batch", "run_sweep", "run_to_precision",
           "run_unit", "shard_kinds", "shipped_specs", "summarize", "unit_blocks_for", "without_daily", "write_record",
           "write_results"]
