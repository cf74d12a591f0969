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

    def job(name, **resources):
        return SparkSubmitOperator(
            task_id=name.replace("-", "_"),
            conn_id="spark_default",  # e.g. master yarn, deploy mode cluster
            application=JAR,
            java_class="dev.batchlm.jobs.BatchLm",
            application_args=[name, "--conf", CONF, "--output", ROOT, "--run-date", "{{ ds }}"],
            **resources,
        )

    ingest = job("ingest", num_executors=4, executor_cores=4, executor_memory="8g")
    chunk = job("chunk", num_executors=4, executor_cores=4, executor_memory="4g")
    embed = job(
        "embed",
        num_executors=4,
        executor_cores=4,
        executor_memory="8g",
        conf={"spark.executor.memoryOverhead": "4g"},
    )
    retrieve = job("retrieve", num_executors=4, executor_cores=4, executor_memory="8g")
    infer = job("infer", num_executors=8, executor_cores=2, executor_memory="4g")
    # exit 3: a metric crossed an eval.gate threshold; the task fails and pages, nothing is rerun
    evaluate = job("eval", num_executors=2, executor_cores=4, executor_memory="8g", retries=0)
    ft_prep = job("ft-prep", num_executors=2, executor_cores=4, executor_memory="8g")
    lora_train = job(
        "lora-train",
        num_executors=2,
        executor_cores=4,
        executor_memory="8g",
        conf={"spark.executor.memoryOverhead": "16g"},
    )

    ingest >> chunk >> embed >> retrieve >> infer >> [evaluate, ft_prep]
    ft_prep >> lora_train
