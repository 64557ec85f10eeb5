"""AWS list prices for ap-southeast-1 (Singapore), the build sheet's region: the table ``siu cost`` uses.

Compiled 2026-11-28 from AWS's published on-demand price pages (aws.amazon.com/<service>/pricing)
as last confirmed in 2025; this build machine has no web access, so they were not re-read online that
day. Prices change: check the pages before relying on an estimate, and update :data:`AS_OF` with the
table. Free tiers are not subtracted (a dedicated account gets Lambda's 1M requests and 400,000 GB-s,
SQS's 1M requests and 10 alarms free every month: the real bill is lower).
"""

from __future__ import annotations

AS_OF = "2026-11-28 (list prices as last confirmed 2025; not re-checked online)"
REGION = "ap-southeast-1"
CURRENCY = "USD"

PRICES: dict[str, float] = {
    # Lambda (arm64): per request, per GB-second.
    "lambda_request": 0.20 / 1_000_000,
    "lambda_gb_second_arm64": 0.0000133334,
    # SQS: per request (64 KB chunk), standard and FIFO queues.
    "sqs_request": 0.40 / 1_000_000,
    "sqs_fifo_request": 0.50 / 1_000_000,
    # DynamoDB on-demand (after the November 2024 price cut): per write / read request unit, storage.
    "dynamodb_write_unit": 0.7125 / 1_000_000,
    "dynamodb_read_unit": 0.1425 / 1_000_000,
    "dynamodb_gb_month": 0.285,
    # S3 Standard: per PUT/COPY/POST/LIST, per GET, storage; Glacier Flexible Retrieval storage.
    "s3_put": 0.005 / 1000,
    "s3_get": 0.0004 / 1000,
    "s3_gb_month": 0.025,
    "s3_glacier_gb_month": 0.0045,
    # SSM Parameter Store, standard tier: parameters (SecureString included) are free, and so are API
    # calls at standard throughput (40 TPS, far above a few cold starts an hour).
    "ssm_standard_parameter_month": 0.0,
    "ssm_standard_api_call": 0.0,
    # KMS: per request (a SecureString read is one Decrypt); the AWS managed aws/ssm key has no monthly
    # charge (a customer managed key would add $1.00 a month). The 20,000 free requests are not subtracted.
    "kms_request": 0.03 / 10_000,
    # EventBridge Scheduler: per invocation (the first 14M a month are free: not subtracted).
    "scheduler_invocation": 1.00 / 1_000_000,
    # CloudWatch: log ingestion per GB, log storage per GB-month, custom metric per month, alarm per
    # metric it evaluates (standard resolution; a Metrics Insights alarm counts as one).
    "logs_ingest_gb": 0.70,
    "logs_store_gb_month": 0.03,
    "custom_metric_month": 0.30,
    "alarm_metric_month": 0.10,
    # Bedrock, Claude Haiku 4.5 through the global cross-Region inference profile (about 10% below
    # the geographic profiles): per input token, per output token.
    "bedrock_haiku45_input_token": 1.00 / 1_000_000,
    "bedrock_haiku45_output_token": 5.00 / 1_000_000,
    # EFS (the search index file): Standard storage per GB-month; Elastic Throughput per GB read and written.
    "efs_standard_gb_month": 0.36,
    "efs_elastic_read_gb": 0.03,
    "efs_elastic_write_gb": 0.06,
}
