"""Setting up (notebook 00): what is installed, where the workshop would act, and what it needs there.

environment (one ``[OK]``/``[FAIL]`` line per requirement), target_report (account, caller, region,
bucket, role: read only), s3_bucket (the workshop's bucket, private, encrypted, HTTPS only),
execution_role (the role SageMaker runs the model with: discovered in Studio, else created), sdk (the
SageMaker Python SDK line installed, v3 or v2).

Nothing is imported here: each module loads what it needs when it is used.
"""
