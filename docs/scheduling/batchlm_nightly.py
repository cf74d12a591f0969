"""batchlm's nightly run as an Airflow DAG (docs/operations.md, "Nightly scheduling").

One task per job, in the order the tables need each other, each a spark-submit of the same jar with
the night passed explicitly (--run-date {{ ds }}): a rerun or a backfill of a date replaces that date's
partitions and pays only for what is missing. Adjust the connection, paths and resources to your
cluster; the job arguments are those of `bin/batchlm JOB --help`.
"""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

JAR = "hdfs:///apps/batchlm/batchlm-jobs.jar"
CONF = "hdfs:///apps/batchlm/nightly.conf"
ROOT = "hdfs:///batchlm"

with DAG(
    dag_id="batchlm_nightly",
    schedule="0 2 * * *",  # 02:00 every night, for the previous day's data interval
    start_date=datetime(2026, 12, 1),
    catchup=False,  # backfill explicitly: airflow dags backfill -s 2026-11-01 -e 2026-11-07
    max_active_runs=1,  # one night at a time: jobs of a night read the previous night's tables
    default_args={
        # exit 1 (a cluster failure) is safe to retry: writes are atomic per partition and a rerun
        # calls only the LLM requests that are not in the cache; exit 2 (config or input path) fails
        # again within seconds, before any container is allocated
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
    },
) as dag:

    def job(name, executors, cores, memory, overhead=None, args=(), **task):
        """A spark-submit of one job for the night; overhead: off-heap room for the model jobs."""
        return SparkSubmitOperator(
            task_id=name.replace("-", "_"),
            conn_id="spark_default",  # e.g. master yarn, deploy mode cluster
            application=JAR,
            java_class="dev.batchlm.jobs.BatchLm",
            application_args=[
                name, "--conf", CONF, "--output", ROOT, "--run-date", "{{ ds }}", *args
            ],
            num_executors=executors,
            executor_cores=cores,
            executor_memory=memory,
            conf={"spark.executor.memoryOverhead": overhead} if overhead else None,
            **task,
        )

    ingest = job("ingest", 4, 4, "8g")
    chunk = job("chunk", 4, 4, "4g")
    embed = job("embed", 4, 4, "8g", overhead="4g")
    retrieve = job("retrieve", 4, 4, "8g")
    infer = job("infer", 8, 2, "4g")
    # exit 3: a metric crossed an eval.gate threshold; the task fails and pages, nothing is rerun
    evaluate = job("eval", 2, 4, "8g", retries=0)
    ft_prep = job("ft-prep", 2, 4, "8g")
    lora_train = job("lora-train", 2, 4, "8g", overhead="16g")
    # the monitoring report runs last whatever the night's jobs did (a failed or killed run is what it
    # must show); exit 3: a value moved beyond report.threshold against its trailing median: page
    report = job(
        "report",
        1,
        2,
        "4g",
        args=["--set", "report.alert=true"],
        retries=0,
        trigger_rule="all_done",
    )

    ingest >> chunk >> embed >> retrieve >> infer >> [evaluate, ft_prep]
    ft_prep >> lora_train
    [evaluate, lora_train] >> report
