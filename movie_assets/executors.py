"""dagster-dask's executor, made safe for year-partitioned runs and for runs that share a cluster.

Two limits of dagster-dask 0.29 are worked around here, both in what the executor hands to dask:
- dask walks every tuple in a task's arguments, and a run carries Dagster records that refuse to be
  iterated: its partitions subset (a year run) and its pool summary (a run with a `tmdb` step). Such a
  run failed before its first step. The workers need neither (they read the partition from the run's
  tags, and claim pool slots per step), so they are given the run without them.
- dask names each step's task `job.step`; two runs of `yearly_job` on one cluster (a backfill) would
  share task names, and the second would be handed the first one's results. Task names carry the run id.

Requires the `dask` extra (`pip install -e ".[dask]"`).
"""

from __future__ import annotations

from typing import Any

import dagster as dg
from dagster._core.execution.context.system import PlanOrchestrationContext
from dagster_dask.executor import DaskExecutor
from dagster_dask.executor import dask_executor as _upstream
from dagster_shared.record import copy as copy_record

# Fields of DagsterRun holding records (dask would iterate them); workers do not read them.
_RECORD_FIELDS = ("partitions_subset", "run_op_concurrency")


class _DaskPlanContext(PlanOrchestrationContext):
    """The orchestration context as dask sees it: the run without its records, and a job name (used
    only to name dask tasks and clusters) that is unique to the run."""

    @property
    def job_name(self) -> str:
        return f"{self.dagster_run.job_name}[{self.dagster_run.run_id}]"


class RunScopedDaskExecutor(DaskExecutor):
    def execute(self, plan_context: PlanOrchestrationContext, execution_plan: Any) -> Any:
        run = copy_record(plan_context.dagster_run, **dict.fromkeys(_RECORD_FIELDS))
        scoped = _DaskPlanContext(
            plan_context.plan_data._replace(dagster_run=run),
            plan_context.log,
            plan_context.executor,
            plan_context.output_capture,
            plan_context.resume_from_failure,
        )
        yield from super().execute(scoped, execution_plan)


@dg.executor(
    name="dask",
    requirements=dg.multiple_process_executor_requirements(),
    config_schema=_upstream.config_schema,
)
def dask_executor(init_context: dg.InitExecutorContext) -> RunScopedDaskExecutor:
    """dagster-dask's executor (same configuration), for partitioned runs and runs sharing a cluster."""
    ((cluster_type, cluster_configuration),) = init_context.executor_config["cluster"].items()
    return RunScopedDaskExecutor(cluster_type, cluster_configuration)
