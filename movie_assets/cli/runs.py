"""The runs of `movie-assets build`: its plan of jobs, each executed in this process, Ctrl-C told apart
from a failure, and each outcome said in one line."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from movie_assets.instance import build_tags

# How Dagster records a step stopped by SIGINT, and the run that ends with it.
_INTERRUPT_ERRORS = frozenset({"DagsterExecutionInterruptedError", "KeyboardInterrupt"})
# Set on each failed run (run_retries is on in dagster.yaml): "true" has a running daemon re-execute it.
WILL_RETRY_TAG = "dagster/will_retry"


def plan(years: list[int]) -> list[tuple[str, str | None]]:
    """The build's (job, partition) in order: reference lists, each year, the catalogue-wide artifacts,
    the learned ranker (quick when there are no labels or they are unchanged), then the reports (quick, and
    the only way a build's user sees them)."""
    return [
        ("reference_job", None),
        *(("yearly_job", str(year)) for year in years),
        ("catalog_job", None),
        ("ranker_job", None),
        ("reports_job", None),
    ]


@dataclass
class Position:
    """Where a build is in its plan: what the line for an interrupt names."""

    years: list[int] = field(default_factory=list)
    job: str = ""
    partition: str | None = None
    step: str = ""

    def interrupted(self) -> str:
        """Where Ctrl-C stopped the build and how to go on, as the end of one line."""
        if not self.job:
            return " before the first run; nothing was built: run the same command again to build"
        where = self.job + (f" [{self.partition}]" if self.partition else "")
        where += f" at {self.step}" if self.step else ""
        advice = "run the same command again to finish"
        if self.job == "yearly_job" and self.partition:
            rest = [year for year in self.years if year >= int(self.partition)] or [int(self.partition)]
            span = f"{rest[0]}-{rest[-1]}" if len(rest) > 1 else str(rest[0])
            advice += (
                f" (years already built are kept; {self.partition} resumes where it stopped), "
                f"or run it with --years {span} to skip the years already built"
            )
        return f" during {where}. Nothing built is lost: {advice}"


def is_interrupt(event: dg.DagsterEvent) -> bool:
    """True for the failure event of a step or a run that Ctrl-C stopped (also when code in the step
    wrapped the interrupt in an error of its own)."""
    if event.is_step_failure:
        error = event.step_failure_data.error
    elif event.is_run_failure:
        error = event.job_failure_data.error
    else:
        return False
    while error is not None:
        if error.cls_name in _INTERRUPT_ERRORS:
            return True
        error = error.cause or error.context
    return False


def interrupted_step(result: dg.ExecuteInProcessResult) -> str | None:
    """The step Ctrl-C stopped the run in ("" when it stopped the run outside a step); None if it did not."""
    events = [event for event in result.all_events if is_interrupt(event)]
    if not events:
        return None
    return next((event.step_key or "" for event in events if event.is_step_failure), "")


def keep_stopped(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> None:
    """Keep a run that Ctrl-C stopped from being re-executed behind the user's back by a daemon (one runs
    with `movie-assets ui`): the user goes on by running the build again."""
    if not result.success:
        instance.add_run_tags(result.run_id, {WILL_RETRY_TAG: "false"})


def root_cause(result: dg.ExecuteInProcessResult) -> str:
    """Why a run failed, in one line: the first failed step's innermost error, or the failed checks."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            return f"{event.step_key}: {error.message.strip()}"
    failed = [e.asset_check_evaluation_data for e in result.all_events if e.is_asset_check_evaluation]
    bad = [f"{c.asset_key.to_user_string()}.{c.check_name}" for c in failed if c and not c.passed]
    return f"failed checks: {', '.join(bad)}" if bad else "the run failed (see the log above)"


def _not_an_interrupt(record: logging.LogRecord) -> bool:
    event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
    return event is None or not is_interrupt(event)


@dg.logger(
    config_schema=dg.colored_console_logger.config_schema,
    description="Dagster's console logger, without the stack traces of a run stopped by Ctrl-C.",
)
def quiet_console_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    # The build prints one line for the interrupt; the run's event log still records both failures in full.
    log = dg.colored_console_logger.logger_fn(init_context)
    log.addFilter(_not_an_interrupt)
    return log


def execute(
    defs: dg.Definitions,
    job_name: str,
    partition: str | None,
    instance: dg.DagsterInstance,
    run_config: dict[str, Any],
) -> dg.ExecuteInProcessResult:
    """Run one job of the build in this process, tagged as this build's, logging to the console."""
    job = defs.resolve_job_def(job_name).with_logger_defs({"console": quiet_console_logger})
    return job.execute_in_process(
        instance=instance,
        partition_key=partition,
        run_config=run_config,
        tags=build_tags(),
        raise_on_error=False,
    )
