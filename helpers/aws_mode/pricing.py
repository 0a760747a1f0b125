"""What the workshop's one billed resource costs on AWS: the endpoint's instance, per hour, approximately.

The figures are on-demand prices for real-time inference from the SageMaker pricing page
(https://aws.amazon.com/sagemaker/pricing/), as read when the kit was written. AWS changes them and they
differ by region, so the kit states them with "about", for the regions it lists, and sends the reader
to that page for any other.
"""

from __future__ import annotations

from .. import config, deployer

PRICING_PAGE = "https://aws.amazon.com/sagemaker/pricing/"
# USD per instance-hour, real-time inference, on demand (SageMaker pricing page): (instance type, region) -> price.
HOURLY_USD = {("ml.t2.medium", "us-east-1"): 0.056}
NUMBERS = {1: "one", 2: "two", 3: "three"}


def _price(region: str, instance_type: str, instances: int) -> str:
    source = f"SageMaker pricing page, real-time inference: {PRICING_PAGE}"
    if (instance_type, region) in HOURLY_USD:
        return f"about ${HOURLY_USD[(instance_type, region)] * instances:.3f} per hour in {region} ({source})"
    if (instance_type, "us-east-1") in HOURLY_USD:
        usd = HOURLY_USD[(instance_type, "us-east-1")] * instances
        return f"about ${usd:.3f} per hour in us-east-1, other regions differ ({source})"
    return f"its hourly price is on the {source}"


def endpoint_cost(region: str, instance_type: str = deployer.INSTANCE_TYPE, instances: int = 1,
                  backend_name: str | None = None) -> str:
    """One sentence: what ``instances`` endpoint instances of ``instance_type`` cost per hour, and what deletes them.

    On the local backend they cost nothing; the sentence then says what they would cost on AWS (us-east-1).
    """
    what = f"{NUMBERS.get(instances, instances)} {instance_type} endpoint instance{'s' * (instances != 1)}"
    if config.backend_mode(backend_name) == "local":
        return (f"Locally the endpoint runs inside the local backend: free. On AWS this creates {what}, billed while "
                f"it runs: {_price('us-east-1', instance_type, instances)}; 09_cleanup deletes it.")
    return f"This creates {what}, billed while it runs: {_price(region, instance_type, instances)}; 09_cleanup deletes it."
